/// Field lines as the parser received them: the buffer that holds them (shared
/// with the parser, copy-on-write) and, per field, where its name and its
/// trimmed value lie. No String exists until someone asks for one: a handler
/// that reads one field (or none) does not pay for the others.
struct ReceivedFields: Sendable {
    var bytes: [UInt8]
    var spans: FieldSpans

    var count: Int { spans.count }

    /// ASCII case-insensitive comparison of field `i`'s name with `name`.
    func nameEquals(_ i: Int, _ name: String) -> Bool {
        let (lo, hi) = spans.name(i)
        guard hi - lo == name.utf8.count else { return false }
        return bytes.withUnsafeBufferPointer { p in
            var j = lo
            for c in name.utf8 {
                if ASCII.lower(p[j]) != ASCII.lower(c) { return false }
                j += 1
            }
            return true
        }
    }

    func name(_ i: Int) -> String { string(spans.name(i)) }
    func value(_ i: Int) -> String { string(spans.value(i)) }

    /// Every field as Strings, in received order.
    var elements: [HTTPHeaders.Element] {
        var out: [HTTPHeaders.Element] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append((name: name(i), value: value(i))) }
        return out
    }

    private func string(_ range: (Int, Int)) -> String {
        bytes.withUnsafeBufferPointer { p in ASCII.string(p[range.0..<range.1]) }
    }
}

/// Offsets of received field lines in the parser's buffer: name start, name
/// end, value start, value end per field, in one flat array (one allocation
/// for a typical head).
struct FieldSpans: Sendable {
    private var offsets: [UInt32] = []

    var count: Int { offsets.count / 4 }
    var isEmpty: Bool { offsets.isEmpty }

    mutating func append(name: Range<Int>, value: Range<Int>) {
        if offsets.isEmpty { offsets.reserveCapacity(32) }
        offsets.append(UInt32(truncatingIfNeeded: name.lowerBound))
        offsets.append(UInt32(truncatingIfNeeded: name.upperBound))
        offsets.append(UInt32(truncatingIfNeeded: value.lowerBound))
        offsets.append(UInt32(truncatingIfNeeded: value.upperBound))
    }

    func name(_ i: Int) -> (Int, Int) { (Int(offsets[4 * i]), Int(offsets[4 * i + 1])) }
    func value(_ i: Int) -> (Int, Int) { (Int(offsets[4 * i + 2]), Int(offsets[4 * i + 3])) }
}

/// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 5), strict:
/// no whitespace before the colon, no obs-fold, no CTL but HTAB in the value.
enum FieldLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// Splits a non-empty line (without CRLF) into name and OWS-trimmed value.
    /// Works on the line rebased to a plain buffer: its subscripts are not
    /// bounds-checked in release builds (a slice's are, twice per byte), and
    /// every index stays below `count`.
    static func parse(_ line: Bytes) throws(HTTPError) -> (name: Bytes, value: Bytes) {
        let p = UnsafeBufferPointer(rebasing: line)
        let n = p.count
        let first = p[0]
        if first == ASCII.sp || first == ASCII.htab { throw .badRequest("obs-fold or leading whitespace in field line") }
        var i = 0
        while i < n && ASCII.isTChar(p[i]) { i += 1 }
        guard i < n, p[i] == ASCII.colon else { throw .badRequest("invalid field name") }
        guard i > 0 else { throw .badRequest("empty field name") }
        var lo = i + 1
        var hi = n
        var j = lo
        while j < hi {
            if !ASCII.isFieldValueByte(p[j]) {
                throw .badRequest("invalid byte 0x\(String(p[j], radix: 16)) in field value")
            }
            j += 1
        }
        while lo < hi && (p[lo] == ASCII.sp || p[lo] == ASCII.htab) { lo += 1 }
        while hi > lo && (p[hi - 1] == ASCII.sp || p[hi - 1] == ASCII.htab) { hi -= 1 }
        let base = line.startIndex
        return (line[base..<(base + i)], line[(base + lo)..<(base + hi)])
    }

    /// Calls `body` with each comma-separated list element, OWS-trimmed; empty elements
    /// are skipped (RFC 9110 5.6.1), unless `keepEmpty` (Content-Length treats them as errors).
    static func forEachElement(
        _ value: Bytes, keepEmpty: Bool = false, _ body: (Bytes) throws(HTTPError) -> Void
    ) throws(HTTPError) {
        var start = value.startIndex
        while start <= value.endIndex {
            let end = value[start...].firstIndex(of: ASCII.comma) ?? value.endIndex
            var lo = start
            var hi = end
            while lo < hi && (value[lo] == ASCII.sp || value[lo] == ASCII.htab) { lo += 1 }
            while hi > lo && (value[hi - 1] == ASCII.sp || value[hi - 1] == ASCII.htab) { hi -= 1 }
            if lo < hi || keepEmpty { try body(value[lo..<hi]) }
            start = end + 1
        }
    }
}

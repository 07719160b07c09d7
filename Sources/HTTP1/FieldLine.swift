/// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 5), strict:
/// no whitespace before the colon, no obs-fold, no CTL but HTAB in the value.
enum FieldLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// Splits a non-empty line (without CRLF) into name and OWS-trimmed value.
    static func parse(_ line: Bytes) throws(HTTPError) -> (name: Bytes, value: Bytes) {
        let first = line[line.startIndex]
        if first == ASCII.sp || first == ASCII.htab { throw .badRequest("obs-fold or leading whitespace in field line") }
        var i = line.startIndex
        while i < line.endIndex && ASCII.isTChar(line[i]) { i += 1 }
        guard i < line.endIndex, line[i] == ASCII.colon else { throw .badRequest("invalid field name") }
        guard i > line.startIndex else { throw .badRequest("empty field name") }
        let name = line[line.startIndex..<i]
        var lo = i + 1
        var hi = line.endIndex
        for j in lo..<hi where !ASCII.isFieldValueByte(line[j]) {
            throw .badRequest("invalid byte 0x\(String(line[j], radix: 16)) in field value")
        }
        while lo < hi && (line[lo] == ASCII.sp || line[lo] == ASCII.htab) { lo += 1 }
        while hi > lo && (line[hi - 1] == ASCII.sp || line[hi - 1] == ASCII.htab) { hi -= 1 }
        return (name, line[lo..<hi])
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

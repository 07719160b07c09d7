/// Decodes a chunked body (RFC 9112 §7.1) in a response: sizes in hex, chunk
/// extensions ignored, trailer section skipped. Used only to delimit responses.
enum ChunkedDecoder {
    enum Result {
        case done([UInt8], Int)
        case needMore
        case invalid(String)
    }

    static func decode(_ b: [UInt8], from start: Int) -> Result {
        var pos = start
        var body: [UInt8] = []
        while true {
            guard let lineEnd = b[pos...].firstIndex(of: 10) else { return .needMore }
            var sizeEnd = pos
            while sizeEnd < lineEnd, isHex(b[sizeEnd]) { sizeEnd += 1 }
            guard sizeEnd > pos, sizeEnd - pos <= 15 else { return .invalid("chunk size line \(ResponseReader.preview(b[pos..<lineEnd]))") }
            let size = Int(String(decoding: b[pos..<sizeEnd], as: UTF8.self), radix: 16) ?? -1
            guard size >= 0 else { return .invalid("chunk size") }
            pos = lineEnd + 1
            if size == 0 { return skipTrailers(b, from: pos, body: body) }
            guard b.count >= pos + size + 1 else { return .needMore }
            body.append(contentsOf: b[pos..<(pos + size)])
            pos += size
            if b[pos] == 13 { pos += 1; guard pos < b.count else { return .needMore } }
            guard b[pos] == 10 else { return .invalid("chunk data not followed by CRLF") }
            pos += 1
        }
    }

    static func skipTrailers(_ b: [UInt8], from start: Int, body: [UInt8]) -> Result {
        var pos = start
        while true {
            guard let lineEnd = b[pos...].firstIndex(of: 10) else { return .needMore }
            let empty = lineEnd == pos || (lineEnd == pos + 1 && b[pos] == 13)
            pos = lineEnd + 1
            if empty { return .done(body, pos) }
        }
    }

    static func isHex(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
    }
}

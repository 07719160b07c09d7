/// `chunk = chunk-size [ chunk-ext ] CRLF` (RFC 9112 7.1): the size line of a chunk.
enum ChunkLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// The chunk size; extensions are validated and ignored.
    static func parseSize(_ line: Bytes) throws(HTTPError) -> Int {
        var i = line.startIndex
        var size: UInt64 = 0
        while i < line.endIndex, let digit = ASCII.hexValue(line[i]) {
            // 16 hex digits fill 64 bits; more (even leading zeros) is refused outright.
            guard i - line.startIndex < 16 else { throw .badRequest("chunk size too long") }
            size = size << 4 | UInt64(digit)
            i += 1
        }
        guard i > line.startIndex else { throw .badRequest("missing chunk size") }
        guard size <= UInt64(Int.max) else { throw .badRequest("chunk size overflow") }
        try validateExtensions(line[i...])
        return Int(size)
    }

    /// `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`, ext-val = token / quoted-string.
    static func validateExtensions(_ ext: Bytes) throws(HTTPError) {
        var i = ext.startIndex
        while i < ext.endIndex {
            i = skipBWS(ext, i)
            guard i < ext.endIndex, ext[i] == ASCII.semicolon else { throw .badRequest("invalid chunk extension") }
            i = skipBWS(ext, i + 1)
            let nameStart = i
            while i < ext.endIndex && ASCII.isTChar(ext[i]) { i += 1 }
            guard i > nameStart else { throw .badRequest("invalid chunk extension name") }
            let afterName = skipBWS(ext, i)
            guard afterName < ext.endIndex, ext[afterName] == ASCII.equals else { continue }
            i = skipBWS(ext, afterName + 1)
            if i < ext.endIndex && ext[i] == ASCII.quote {
                i = try quotedStringEnd(ext, i)
            } else {
                let valueStart = i
                while i < ext.endIndex && ASCII.isTChar(ext[i]) { i += 1 }
                guard i > valueStart else { throw .badRequest("invalid chunk extension value") }
            }
        }
    }

    private static func skipBWS(_ b: Bytes, _ from: Int) -> Int {
        var i = from
        while i < b.endIndex && (b[i] == ASCII.sp || b[i] == ASCII.htab) { i += 1 }
        return i
    }

    /// Index after the closing quote of the quoted-string that starts at `open`.
    private static func quotedStringEnd(_ b: Bytes, _ open: Int) throws(HTTPError) -> Int {
        var i = open + 1
        while i < b.endIndex {
            let c = b[i]
            if c == ASCII.quote { return i + 1 }
            if c == ASCII.backslash {
                guard i + 1 < b.endIndex, ASCII.isFieldValueByte(b[i + 1]) else { break }
                i += 2
                continue
            }
            guard ASCII.isFieldValueByte(c) else { break }
            i += 1
        }
        throw .badRequest("invalid quoted-string in chunk extension")
    }
}

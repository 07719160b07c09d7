/// The parsed request line: `method SP request-target SP HTTP-version` (RFC 9112 3).
struct RequestLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    var method: String
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion
    var form: RequestTarget.Form

    /// Methods this server implements; any other valid token is 501. No Set<String>
    /// hashing: GET is checked on the bytes first (the hot path), the rest by a
    /// switch (case-sensitive, RFC 9110 9.1).
    static func isKnownMethod(_ m: Bytes, _ method: String) -> Bool {
        let s = m.startIndex
        if m.count == 3 && m[s] == UInt8(ascii: "G") && m[s + 1] == UInt8(ascii: "E") && m[s + 2] == UInt8(ascii: "T") {
            return true
        }
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT": return true
        default: return false
        }
    }

    /// Parses one request line (without CRLF). Check order: syntax (400), then
    /// version (505), then method (501), then the target form for the method (400),
    /// so a request is only called "not implemented" when it is well formed.
    static func parse(_ line: Bytes) throws(HTTPError) -> RequestLine {
        var i = line.startIndex
        while i < line.endIndex && ASCII.isTChar(line[i]) { i += 1 }
        guard i > line.startIndex else { throw .badRequest("invalid method") }
        guard i < line.endIndex, line[i] == ASCII.sp else { throw .badRequest("invalid method or separator") }
        let methodBytes = line[line.startIndex..<i]

        i += 1
        let targetStart = i
        while i < line.endIndex && ASCII.isTargetByte(line[i]) { i += 1 }
        guard i > targetStart else { throw .badRequest("empty request-target") }
        guard i < line.endIndex, line[i] == ASCII.sp else { throw .badRequest("invalid byte in request-target") }
        let targetBytes = line[targetStart..<i]

        let version = try parseVersion(line[(i + 1)...])
        let method = ASCII.string(methodBytes)
        guard isKnownMethod(methodBytes, method) else { throw .notImplemented("method \(method)") }
        let parsed = try RequestTarget.parse(targetBytes, method: method)
        return RequestLine(
            method: method, target: ASCII.string(targetBytes), path: parsed.path, query: parsed.query,
            version: version, form: parsed.form)
    }

    /// `HTTP-version = "HTTP" "/" DIGIT "." DIGIT`, case-sensitive. Major 1 only (else 505);
    /// minor 2...9 is answered as 1.1.
    static func parseVersion(_ v: Bytes) throws(HTTPError) -> HTTPVersion {
        let s = v.startIndex
        guard v.count == 8,
            v[s] == UInt8(ascii: "H"), v[s + 1] == UInt8(ascii: "T"), v[s + 2] == UInt8(ascii: "T"),
            v[s + 3] == UInt8(ascii: "P"), v[s + 4] == ASCII.slash, ASCII.isDigit(v[s + 5]),
            v[s + 6] == UInt8(ascii: "."), ASCII.isDigit(v[s + 7])
        else { throw .badRequest("malformed HTTP-version") }
        let major = Int(v[s + 5] - 0x30)
        let minor = Int(v[s + 7] - 0x30)
        guard major == 1 else { throw .versionNotSupported }
        return minor == 0 ? .http1_0 : .http1_1
    }
}

/// Writes a `Response` as HTTP/1.1 bytes.
///
/// Layout: status line, `Date`, `Content-Length` (not for 1xx, 204, 304),
/// `Connection` (`close` when the connection will close, `keep-alive` for a kept
/// HTTP/1.0 connection), then the handler's fields, empty line, body. The status
/// line always says HTTP/1.1, the highest version we speak (RFC 9110 2.5).
///
/// The serializer owns the framing fields: handler fields named Date, Content-Length,
/// Transfer-Encoding or Connection are dropped (a handler's Content-Length is kept on a
/// 304, where it describes the selected representation). Handler fields with an invalid
/// name are dropped and CR, LF and NUL in values become spaces, so a handler cannot
/// split the response.
public enum ResponseSerializer {
    /// The response as one byte array.
    public static func serialize(
        _ r: Response, version: HTTPVersion, keepAlive: Bool, headOnly: Bool, date: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + r.body.count)
        append(r, version: version, keepAlive: keepAlive, headOnly: headOnly, date: date, into: &out)
        return out
    }

    /// Appends the response to `out` (lets the worker reuse one write buffer).
    public static func append(
        _ r: Response, version: HTTPVersion, keepAlive: Bool, headOnly: Bool, date: String, into out: inout [UInt8]
    ) {
        let status = (100...999).contains(r.status) ? r.status : 500
        let noBody = bodyForbidden(status)
        out += "HTTP/1.1 \(status) \(ReasonPhrase.of(status))\r\n".utf8
        out += "Date: \(date)\r\n".utf8
        if !noBody { out += "Content-Length: \(r.body.count)\r\n".utf8 }
        if !keepAlive {
            out += "Connection: close\r\n".utf8
        } else if version == .http1_0 {
            out += "Connection: keep-alive\r\n".utf8
        }
        for (name, value) in r.headers where keepsField(name, status: status) {
            appendField(name, value, into: &out)
        }
        out += [ASCII.cr, ASCII.lf]
        if !headOnly && !noBody { out += r.body }
    }

    /// 1xx, 204 and 304 responses never carry a body (RFC 9110 6.4.1).
    public static func bodyForbidden(_ status: Int) -> Bool {
        status < 200 || status == 204 || status == 304
    }

    private static func keepsField(_ name: String, status: Int) -> Bool {
        guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isTChar) else { return false }
        if ASCII.caseInsensitiveEquals(name, "content-length") { return status == 304 }
        for owned in ["date", "transfer-encoding", "connection"] where ASCII.caseInsensitiveEquals(name, owned) {
            return false
        }
        return true
    }

    private static func appendField(_ name: String, _ value: String, into out: inout [UInt8]) {
        out += name.utf8
        out += [ASCII.colon, ASCII.sp]
        for b in value.utf8 {
            out.append(b == ASCII.cr || b == ASCII.lf || b == 0 ? ASCII.sp : b)
        }
        out += [ASCII.cr, ASCII.lf]
    }
}

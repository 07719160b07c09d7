/// Writes a `Response` as HTTP/1.1 bytes.
///
/// Layout: status line, `Date`, `Content-Length` (not for 1xx, 204, 304),
/// `Connection` (`close` when the connection will close, `keep-alive` for a kept
/// HTTP/1.0 connection), then the handler's fields, then the caller's extra
/// fields, empty line, body. The status line always says HTTP/1.1, the highest
/// version we speak (RFC 9110 2.5).
///
/// The serializer owns the framing fields: handler fields named Date, Content-Length,
/// Transfer-Encoding or Connection are dropped (a handler's Content-Length is kept on a
/// 304, where it describes the selected representation). Handler fields with an invalid
/// name are dropped and CR, LF and NUL in values become spaces, so a handler cannot
/// split the response.
///
/// Hot path: everything is appended byte-wise into the caller's buffer (no String
/// interpolation, no intermediate arrays), so a kept buffer makes a response
/// allocation-free here.
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
        var dateField: [UInt8] = []
        dateField.reserveCapacity(40)
        appendDateField(date, into: &dateField)
        append(r, version: version, keepAlive: keepAlive, headOnly: headOnly, dateField: dateField, into: &out)
    }

    /// Appends head and body, with a pre-serialized `Date` line (`appendDateField`)
    /// and `extraFields` (pre-serialized field lines written after the handler's).
    public static func append(
        _ r: Response, version: HTTPVersion, keepAlive: Bool, headOnly: Bool, dateField: [UInt8],
        extraFields: [UInt8] = [], into out: inout [UInt8]
    ) {
        appendHead(r, version: version, keepAlive: keepAlive, dateField: dateField, extraFields: extraFields, into: &out)
        if !headOnly && !bodyForbidden(effectiveStatus(r.status)) { out += r.body }
    }

    /// Appends the head only (status line, fields, empty line), for a caller that
    /// sends the body itself (a file): `dateField` is a whole pre-serialized
    /// `Date: ...\r\n` line (see `appendDateField`), `extraFields` pre-serialized
    /// field lines written after the handler's, `contentLength` the body length
    /// (default: `r.body.count`).
    public static func appendHead(
        _ r: Response, version: HTTPVersion, keepAlive: Bool, dateField: [UInt8], extraFields: [UInt8] = [],
        contentLength: Int? = nil, into out: inout [UInt8]
    ) {
        let status = effectiveStatus(r.status)
        let noBody = bodyForbidden(status)
        appendStatusLine(status, into: &out)
        out += dateField
        if !noBody {
            out += "Content-Length: ".utf8
            appendDecimal(contentLength ?? r.body.count, into: &out)
            out += crlf
        }
        if !keepAlive {
            out += "Connection: close\r\n".utf8
        } else if version == .http1_0 {
            out += "Connection: keep-alive\r\n".utf8
        }
        for (name, value) in r.headers where keepsField(name, status: status) {
            appendField(name, value, into: &out)
        }
        out += extraFields
        out += crlf
    }

    /// `Date: <date>\r\n`, for `appendHead`.
    public static func appendDateField(_ date: String, into out: inout [UInt8]) {
        out += "Date: ".utf8
        out += date.utf8
        out += crlf
    }

    /// A field line `name: value\r\n` with a decimal value (e.g. X-Worker-Served).
    public static func appendField(_ name: StaticString, decimal value: Int, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out += [ASCII.colon, ASCII.sp]
        appendDecimal(value, into: &out)
        out += crlf
    }

    /// 1xx, 204 and 304 responses never carry a body (RFC 9110 6.4.1).
    public static func bodyForbidden(_ status: Int) -> Bool {
        status < 200 || status == 204 || status == 304
    }

    /// The status sent: 100...999 as given, anything else 500.
    static func effectiveStatus(_ status: Int) -> Int {
        (100...999).contains(status) ? status : 500
    }

    private static let crlf: [UInt8] = [ASCII.cr, ASCII.lf]
    private static let ok200 = Array("HTTP/1.1 200 OK\r\n".utf8)

    private static func appendStatusLine(_ status: Int, into out: inout [UInt8]) {
        if status == 200 { out += ok200; return }
        out += "HTTP/1.1 ".utf8
        appendDecimal(status, into: &out)
        out.append(ASCII.sp)
        out += ReasonPhrase.of(status).utf8
        out += crlf
    }

    /// Decimal digits of a non-negative integer, without a String.
    static func appendDecimal(_ value: Int, into out: inout [UInt8]) {
        var v = max(value, 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of stack, enough for 19 digits
        withUnsafeMutableBytes(of: &digits) { buf in
            var i = buf.count
            repeat {
                i -= 1
                buf[i] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
            } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[i...]))
        }
    }

    /// Valid token names only; the framing fields are the serializer's own. The
    /// length switch keeps the common case to one comparison.
    private static func keepsField(_ name: String, status: Int) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.allSatisfy(ASCII.isTChar) else { return false }
        switch utf8.count {
        case 14 where ASCII.caseInsensitiveEquals(name, "content-length"): return status == 304
        case 4 where ASCII.caseInsensitiveEquals(name, "date"): return false
        case 17 where ASCII.caseInsensitiveEquals(name, "transfer-encoding"): return false
        case 10 where ASCII.caseInsensitiveEquals(name, "connection"): return false
        default: return true
        }
    }

    private static func appendField(_ name: String, _ value: String, into out: inout [UInt8]) {
        out += name.utf8
        out += [ASCII.colon, ASCII.sp]
        let clean = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            if bytes.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }) { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if clean != true {
            for b in value.utf8 {
                out.append(b == ASCII.cr || b == ASCII.lf || b == 0 ? ASCII.sp : b)
            }
        }
        out += crlf
    }
}

/// Validation of `uri-host [ ":" port ]` (RFC 3986 3.2.2, 3.2.3), used for the
/// Host field, the authority of an absolute-form target and CONNECT's authority-form.
enum Authority {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// True when `bytes` is a syntactically valid authority without userinfo.
    /// - Parameters:
    ///   - allowEmptyHost: the Host field may be empty; an http URI may not (RFC 9110 4.2.1).
    ///   - requirePort: authority-form needs ":" and at least one digit.
    static func isValid(_ bytes: Bytes, allowEmptyHost: Bool, requirePort: Bool) -> Bool {
        guard let hostEnd = hostEnd(bytes) else { return false }
        if hostEnd == bytes.startIndex && !allowEmptyHost { return false }
        if hostEnd == bytes.endIndex { return !requirePort && (allowEmptyHost || hostEnd > bytes.startIndex) }
        guard bytes[hostEnd] == ASCII.colon else { return false }
        let port = bytes[(hostEnd + 1)...]
        if requirePort && port.isEmpty { return false }
        // RFC 3986 port = *DIGIT; five digits is enough for 65535 and keeps junk out.
        return port.count <= 5 && port.allSatisfy(ASCII.isDigit)
    }

    /// Index just past the host (IP-literal or reg-name/IPv4), or nil when the host is malformed.
    private static func hostEnd(_ bytes: Bytes) -> Int? {
        var i = bytes.startIndex
        if i < bytes.endIndex && bytes[i] == UInt8(ascii: "[") {
            // IP-literal: IPv6 address characters only (IPvFuture is not accepted).
            i += 1
            let inner = i
            while i < bytes.endIndex && bytes[i] != UInt8(ascii: "]") {
                let b = bytes[i]
                guard ASCII.hexValue(b) != nil || b == ASCII.colon || b == UInt8(ascii: ".") else { return nil }
                i += 1
            }
            guard i < bytes.endIndex, i > inner else { return nil }
            return i + 1
        }
        while i < bytes.endIndex && bytes[i] != ASCII.colon {
            let b = bytes[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, ASCII.hexValue(bytes[i + 1]) != nil, ASCII.hexValue(bytes[i + 2]) != nil
                else { return nil }
                i += 3
                continue
            }
            guard ASCII.isRegNameByte(b) else { return nil }
            i += 1
        }
        return i
    }
}

/// The four request-target forms of RFC 9112 3.2 and which method may use which.
enum RequestTarget {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    enum Form: Equatable {
        /// "/path?query"
        case origin
        /// "http://authority/path?query" (http or https, any case)
        case absolute
        /// "host:port", CONNECT only
        case authority
        /// "*", OPTIONS only
        case asterisk
    }

    struct Parsed {
        var path: String
        var query: String?
        var form: Form
    }

    /// Classifies an already byte-validated target (visible ASCII, no '#').
    static func parse(_ t: Bytes, method: String) throws(HTTPError) -> Parsed {
        let isConnect = method == "CONNECT"
        if t[t.startIndex] == ASCII.slash {
            guard !isConnect else { throw .badRequest("CONNECT needs authority-form") }
            let (path, query) = splitQuery(t)
            return Parsed(path: path, query: query, form: .origin)
        }
        if t.count == 1 && t[t.startIndex] == UInt8(ascii: "*") {
            guard method == "OPTIONS" else { throw .badRequest("asterisk-form is for OPTIONS only") }
            return Parsed(path: "*", query: nil, form: .asterisk)
        }
        if let afterScheme = schemeEnd(t) {
            guard !isConnect else { throw .badRequest("CONNECT needs authority-form") }
            return try parseAbsolute(t[afterScheme...])
        }
        guard isConnect else { throw .badRequest("unsupported request-target form") }
        guard Authority.isValid(t, allowEmptyHost: false, requirePort: true) else {
            throw .badRequest("invalid authority-form")
        }
        return Parsed(path: ASCII.string(t), query: nil, form: .authority)
    }

    /// Index after "http://" or "https://" (case-insensitive), or nil.
    private static func schemeEnd(_ t: Bytes) -> Int? {
        for scheme: StaticString in ["http://", "https://"] {
            let n = scheme.utf8CodeUnitCount
            if t.count >= n && ASCII.equalsLowercased(t[t.startIndex..<(t.startIndex + n)], scheme) {
                return t.startIndex + n
            }
        }
        return nil
    }

    /// `authority path-abempty [ "?" query ]` after the scheme; an empty path is "/".
    private static func parseAbsolute(_ rest: Bytes) throws(HTTPError) -> Parsed {
        let authorityEnd = rest.firstIndex { $0 == ASCII.slash || $0 == ASCII.question } ?? rest.endIndex
        guard Authority.isValid(rest[rest.startIndex..<authorityEnd], allowEmptyHost: false, requirePort: false) else {
            throw .badRequest("invalid authority in absolute-form")
        }
        var (path, query) = splitQuery(rest[authorityEnd...])
        if path.isEmpty { path = "/" }
        return Parsed(path: path, query: query, form: .absolute)
    }

    private static func splitQuery(_ t: Bytes) -> (String, String?) {
        guard let q = t.firstIndex(of: ASCII.question) else { return (ASCII.string(t), nil) }
        return (ASCII.string(t[t.startIndex..<q]), ASCII.string(t[(q + 1)...]))
    }
}

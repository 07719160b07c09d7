/// Why a request was rejected. Each case maps to the status code the server
/// answers with; after any of them the connection must be closed, because the
/// parser can no longer tell where the next request would start.
public enum HTTPError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// 400: malformed syntax or ambiguous framing. The string is a short reason for logs.
    case badRequest(String)
    /// 414: the request line is longer than `ParserLimits.maxRequestLine`.
    case uriTooLong
    /// 413: the declared or de-chunked body is larger than `ParserLimits.maxBody`.
    case contentTooLarge
    /// 431: the header (or trailer) section exceeds `maxHeaderBytes` or `maxHeaderCount`.
    case headerFieldsTooLarge
    /// 501: an unknown method or an unsupported transfer coding. The string names it.
    case notImplemented(String)
    /// 505: a well-formed version whose major is not 1 (HTTP/0.9, HTTP/2.0 ...).
    case versionNotSupported

    /// The HTTP status code to answer with.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .contentTooLarge: 413
        case .headerFieldsTooLarge: 431
        case .notImplemented: 501
        case .versionNotSupported: 505
        }
    }

    /// "400 bad request: bare LF", for logs.
    public var description: String {
        switch self {
        case .badRequest(let reason): "400 bad request: \(reason)"
        case .notImplemented(let what): "501 not implemented: \(what)"
        default: "\(status) \(ReasonPhrase.of(status))"
        }
    }
}

/// One complete, validated request as the parser hands it to the worker.
public struct Request: Sendable, Equatable {
    /// The method token exactly as received ("GET"); methods are case-sensitive.
    public var method: String
    /// The raw request-target ("/a/b?x=1", "http://host/p", "*", "host:443").
    public var target: String
    /// The target without its query. For absolute-form only the path part ("/" when empty);
    /// for asterisk-form "*"; for authority-form (CONNECT) the authority itself.
    public var path: String
    /// The raw text after the first '?', nil when the target has no '?'.
    public var query: String?
    /// 1.0 or 1.1; HTTP/1.2 ... 1.9 are reported as 1.1.
    public var version: HTTPVersion
    /// Header fields in received order.
    public var headers: HTTPHeaders
    /// The body, de-chunked when it was sent chunked; empty when there was none.
    public var body: [UInt8]
    /// Trailer fields of a chunked body. They never change framing (a Content-Length or
    /// Transfer-Encoding here is kept as data and otherwise ignored).
    public var trailers: HTTPHeaders
    /// Whether the connection may stay open after the response to this request:
    /// HTTP/1.1 unless a `Connection: close` option, HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool

    /// Creates a request value (the parser is the usual source; tests build them too).
    public init(
        method: String, target: String, path: String, query: String?, version: HTTPVersion,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders(),
        keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.keepAlive = keepAlive
    }

    /// True for HEAD: the response carries headers (and Content-Length) but no body.
    public var isHead: Bool { method == "HEAD" }
}

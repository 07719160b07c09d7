/// One HTTP request for `CurlClient`.
public struct CurlRequest: Sendable {
    /// Method; "HEAD" asks for no body, others go out verbatim (CURLOPT_CUSTOMREQUEST).
    public var method: String
    /// Absolute URL.
    public var url: String
    /// Extra header lines, "Name: value" ("Name:" removes a libcurl default).
    public var headers: [String]
    /// Request body, sent with Content-Length.
    public var body: [UInt8]?
    /// Whole-transfer timeout in seconds.
    public var timeout: Double
    /// Connect timeout in seconds.
    public var connectTimeout: Double
    /// Open a new connection for this request (CURLOPT_FRESH_CONNECT).
    public var freshConnection: Bool
    /// Close the connection after this request (CURLOPT_FORBID_REUSE).
    public var forbidReuse: Bool

    public init(method: String = "GET", url: String, headers: [String] = [], body: [UInt8]? = nil,
                timeout: Double = 10, connectTimeout: Double = 5,
                freshConnection: Bool = false, forbidReuse: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.freshConnection = freshConnection
        self.forbidReuse = forbidReuse
    }
}

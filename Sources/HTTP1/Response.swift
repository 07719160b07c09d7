/// A response as a handler produces it; the serializer adds Date, Content-Length and Connection.
public struct Response: Sendable, Equatable {
    /// Status code, 100...999 (anything else is sent as 500).
    public var status: Int
    /// The handler's header fields, written after the serializer's own.
    public var headers: HTTPHeaders
    /// The full body; its length becomes Content-Length.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Creates a response from ordered header pairs.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.init(status: status, headers: HTTPHeaders(headers), body: body)
    }

    /// A small text/plain response for a parse error, body e.g. "400 Bad Request\n".
    /// The reason details in `HTTPError` are for logs and are not sent to the client.
    public static func error(_ e: HTTPError) -> Response {
        let text = "\(e.status) \(ReasonPhrase.of(e.status))\n"
        return Response(
            status: e.status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }
}

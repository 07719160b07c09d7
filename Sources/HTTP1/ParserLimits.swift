/// Size limits the request parser enforces as bytes arrive, so that a client
/// can never make a worker buffer more than about `maxRequestLine +
/// maxHeaderBytes + maxBody` bytes for one request.
public struct ParserLimits: Sendable, Equatable {
    /// Longest request line, in bytes without its CRLF. Longer: 414.
    public var maxRequestLine: Int
    /// Largest header section: the sum over field lines of (line length + 2 for CRLF),
    /// the final empty line not counted. Chunked trailers count toward the same total. Larger: 431.
    public var maxHeaderBytes: Int
    /// Most field lines in the header section (trailers included). More: 431.
    public var maxHeaderCount: Int
    /// Largest body: the Content-Length value or the de-chunked size. Larger: 413.
    public var maxBody: Int
    /// Longest chunk-size line (size plus extensions) without its CRLF. Longer: 400.
    public var maxChunkLine: Int
    /// Most empty lines (CRLF) tolerated before a request line (RFC 9112 2.2). More: 400.
    public var maxLeadingEmptyLines: Int

    /// Creates limits; the defaults are the daemon's.
    public init(
        maxRequestLine: Int = 8192,
        maxHeaderBytes: Int = 16384,
        maxHeaderCount: Int = 100,
        maxBody: Int = 1 << 20,
        maxChunkLine: Int = 1024,
        maxLeadingEmptyLines: Int = 4
    ) {
        self.maxRequestLine = maxRequestLine
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBody = maxBody
        self.maxChunkLine = maxChunkLine
        self.maxLeadingEmptyLines = maxLeadingEmptyLines
    }
}

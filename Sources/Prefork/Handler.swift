import HTTP1

/// Who is serving: passed to a handler when its worker boots.
public struct WorkerIdentity: Sendable {
    /// The worker's process id.
    public var pid: Int32
    /// Its fixed slot, 0..<workers.
    public var slot: Int
    /// How many workers this slot has had, this one included.
    public var generation: Int
}

/// Facts about one request that the handler may put in its response.
public struct RequestContext: Sendable {
    /// The worker answering (pid, slot, generation).
    public var worker: WorkerIdentity
    /// The number this response carries: 1, 2, 3... per worker, no gap.
    public var served: Int
    /// The lifetime budget of this worker (nil = unlimited).
    public var budget: Int?
    /// The client's address, read once when the connection was accepted.
    public var peer: PeerAddress = .unknown
}

/// What a handler answers: a response, optionally after a delay (the worker
/// keeps serving other connections meanwhile; `/__fault/sleep` uses it).
public struct Reply: Sendable {
    /// Status, headers and body; the engine adds Date, Content-Length,
    /// Connection and the `X-Worker-*` fields.
    public var response: Response
    /// Answer after this long (nil = now); nothing behind it on the
    /// connection is answered first, so pipelined responses stay in order.
    public var delay: Duration?
    /// A body sent from a file with sendfile(2) instead of `response.body`
    /// (which is then ignored); Content-Length is the file range's length.
    public var file: FileBody?

    /// A reply with an in-memory body, now or after `delay`.
    public init(_ response: Response, after delay: Duration? = nil) {
        self.response = response
        self.delay = delay
    }

    /// A reply whose body is `file`; the worker owns and closes its descriptor.
    public init(_ response: Response, file: FileBody) {
        self.response = response
        self.file = file
    }
}

/// A byte range of an open file, sent as a response body with sendfile(2)
/// (no copy through the worker). The worker closes `fd` once it is sent, not
/// needed (HEAD) or the connection closes.
public struct FileBody: Sendable {
    /// An open, readable descriptor; the worker owns it from now on.
    public var fd: Int32
    /// Where the range starts in the file.
    public var offset: Int
    /// Bytes to send (the response's Content-Length).
    public var length: Int

    /// The range `offset..<offset + length` of `fd`.
    public init(fd: Int32, offset: Int = 0, length: Int) {
        self.fd = fd
        self.offset = offset
        self.length = length
    }
}

/// Your code inside a worker. The engine owns sockets, parsing, keep-alive,
/// lifetime and the `X-Worker-*` headers; the handler maps a request to a reply.
/// It runs on the worker's only thread: keep it quick or use `Reply.delay`.
public protocol RequestHandler {
    /// Called once in each new worker before it accepts. Throwing makes the
    /// worker exit with status 3 (boot failure): the master backs off.
    mutating func boot(_ worker: WorkerIdentity) throws

    /// Answers one request.
    mutating func handle(_ request: Request, context: RequestContext) -> Reply
}

extension RequestHandler {
    /// No per-worker setup by default.
    public mutating func boot(_ worker: WorkerIdentity) throws {}
}

/// Incremental, strict HTTP/1.1 request parser (RFC 9112) with no I/O.
///
/// Feed it bytes as they arrive, then call `next()` until it returns nil.
/// Pipelined requests stay buffered and come out one per call. Every limit is
/// enforced as bytes arrive, so a slow or hostile client is refused before it
/// can make the worker buffer more than the limits allow. The head is scanned
/// once: a per-line scan offset means no byte is looked at again while waiting
/// for the rest of a line.
///
/// Policy where RFC 9112 leaves a choice (the conformance suite relies on these):
/// - CRLF only: a bare LF or bare CR anywhere in a head, chunk line or trailer is 400.
/// - Up to `maxLeadingEmptyLines` empty lines before a request line are skipped.
/// - Syntax errors (400) win over version (505), which wins over an unknown method (501).
/// - HTTP/0.9 and majors 2...9 are 505; HTTP/1.2...1.9 are served as 1.1.
/// - Transfer-Encoding: non-token elements (quotes, parameters) 400; on HTTP/1.0 400;
///   with Content-Length 400; chunked repeated or not last 400; any other coding 501.
/// - Host is required once on HTTP/1.1 (also with an absolute-form target, whose
///   authority is what counts); an empty Host is accepted; two Hosts are 400 on any version.
/// - Content-Length: 1 to 18 digits; repeated or listed values must be numerically equal.
/// - Expect: only `100-continue` is understood; other expectations are ignored (no 417).
/// - Field values are decoded as UTF-8; invalid sequences in obs-text become U+FFFD.
public struct RequestParser: Sendable {
    /// Where the parser stands, so the worker can pick the matching timeout.
    public enum Phase: Sendable, Equatable {
        /// No byte of the next request is buffered (keep-alive idle timeout).
        case idle
        /// Reading a request head (request line, fields; header timeout).
        case head
        /// Reading a body or its trailers (body timeout).
        case body
    }

    enum State: Sendable {
        case requestLine
        case fields
        case fixedBody(Int)
        case chunkSize
        case chunkData(Int)
        case chunkDataEnd
        case trailers
    }

    /// The limits this parser enforces.
    public let limits: ParserLimits
    var buffer: [UInt8] = []
    /// Index of the first unconsumed byte in `buffer`.
    var start = 0
    /// Bytes of the current, incomplete line already scanned (relative to `start`).
    var lineScan = 0
    var state = State.requestLine
    var pending = PendingRequest()
    var failure: HTTPError?

    /// True once a request head with `Expect: 100-continue` (HTTP/1.1) is parsed and its body
    /// is not complete; the worker then writes "HTTP/1.1 100 Continue\r\n\r\n" once and calls
    /// `acknowledgeContinue()`. Cleared when the request completes or the parser fails.
    public internal(set) var expectsContinue = false

    /// Creates a parser with the given limits.
    public init(limits: ParserLimits = .init()) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by a returned request (chunk data already
    /// decoded into the pending body is not counted).
    public var bufferedByteCount: Int { buffer.count - start }

    /// The current phase; `.idle` only when nothing of a next request is buffered.
    /// Stored, updated by `feed` and `next`: the worker reads it after every
    /// read, and reading a computed property of a struct kept in a class
    /// property copies the whole parser (retains of every buffer in it).
    public private(set) var phase: Phase = .idle

    private func currentPhase() -> Phase {
        switch state {
        case .requestLine: bufferedByteCount == 0 ? .idle : .head
        case .fields: .head
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: .body
        }
    }

    /// Records that the interim 100 response was written.
    public mutating func acknowledgeContinue() {
        expectsContinue = false
    }

    /// Appends received bytes. Bytes fed after a failure are dropped.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        compact()
        buffer.append(contentsOf: bytes)
        phase = currentPhase()
    }

    /// Appends received bytes. Bytes fed after a failure are dropped.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard failure == nil else { return }
        compact()
        buffer.append(contentsOf: bytes)
        phase = currentPhase()
    }

    /// Next complete request, nil when more bytes are needed. After a throw the parser is
    /// poisoned (every later call throws the same error): the connection must close.
    public mutating func next() throws(HTTPError) -> Request? {
        if let failure { throw failure }
        defer { phase = currentPhase() }
        do {
            return try step()
        } catch {
            failure = error
            expectsContinue = false
            throw error
        }
    }

    /// Drops consumed bytes once they are at least half the buffer, so the cost of
    /// moving bytes stays linear in the bytes received.
    private mutating func compact() {
        guard start > 0 else { return }
        if start == buffer.count || (start >= 4096 && start * 2 >= buffer.count) {
            // Fields of the request being parsed lie in the bytes dropped here.
            pending.keepFieldsAsStrings(buffer)
        }
        if start == buffer.count {
            // Keep a modest allocation for the next request; give back a large one.
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            start = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }
}

/// What is known of the request being parsed.
struct PendingRequest: Sendable {
    var line: RequestLine?
    /// Fields of this request already turned into Strings (the parser
    /// dropped the bytes they were in), then those still in the buffer.
    var headers = HTTPHeaders()
    var headerSpans = FieldSpans()
    var trailers = HTTPHeaders()
    var trailerSpans = FieldSpans()
    var framing = FramingFields()
    var decision = FramingFields.Decision(body: .none, keepAlive: false, expectContinue: false)
    var body: [UInt8] = []
    /// Header plus trailer bytes so far, as counted against `maxHeaderBytes`.
    var fieldBytes = 0
    var fieldCount = 0
    var emptyLines = 0
    /// Set when the request is complete and `next()` should return it.
    var completed = false
}

extension PendingRequest {
    /// Turns the fields still in `buffer` into Strings, before the parser
    /// drops the bytes they lie in (a head or body split over reads).
    mutating func keepFieldsAsStrings(_ buffer: [UInt8]) {
        if !headerSpans.isEmpty {
            headers = RequestParser.fields(headers, headerSpans, in: buffer)
            headers.materialize()
            headerSpans = FieldSpans()
        }
        if !trailerSpans.isEmpty {
            trailers = RequestParser.fields(trailers, trailerSpans, in: buffer)
            trailers.materialize()
            trailerSpans = FieldSpans()
        }
    }
}

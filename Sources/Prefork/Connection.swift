@preconcurrency import Glibc
import HTTP1

/// One client connection inside a worker: its parser, unsent output, a reply
/// waiting for its time, and the one deadline that applies to its state.
final class Connection {
    /// What the connection is doing: one value, after Go's net/http
    /// `ConnState`, instead of flags that had to agree (`lingerUntil`,
    /// `delayed`, `closeAfterWrite` were three of them).
    ///
    /// ```
    ///   open ──handler asked for a delay──▶ delaying ──due──▶ open
    ///   open ──last response queued (Connection: close, error,
    ///          budget spent, peer done, drain)──▶ closing
    ///   open | closing ──graceful close (written, drain, timeout)──▶ lingering
    ///   any ──reset, write error, linger over, peer's EOF while lingering──▶ gone
    /// ```
    ///
    /// - `open`: reading and answering requests in order; output may be pending.
    /// - `delaying`: a reply waits for its due time; nothing behind it is
    ///   parsed, so pipelined responses stay in order.
    /// - `closing`: the last response is queued; the connection closes once it
    ///   is written, and reads no further request.
    /// - `lingering`: our FIN is sent; input is read and discarded until the
    ///   peer's EOF or `until`, so a request that crossed the FIN meets a
    ///   clean EOF its client can retry, not an RST.
    enum State {
        case open
        case delaying(DelayedReply)
        case closing
        case lingering(until: Instant)
    }

    var state = State.open

    /// Reading requests: not delaying, closing or lingering.
    var isOpen: Bool { if case .open = state { return true } else { return false } }
    var isClosing: Bool { if case .closing = state { return true } else { return false } }
    var isLingering: Bool { if case .lingering = state { return true } else { return false } }
    var delayedReply: DelayedReply? { if case .delaying(let reply) = state { return reply } else { return nil } }

    /// A reply whose handler asked for a delay; nothing after it on this
    /// connection is parsed until it is written (responses stay in order).
    struct DelayedReply {
        var response: Response
        var request: RequestFacts
        var served: Int
        var due: Instant
        var file: FileBody? = nil
    }

    /// What the serializer needs from the request, once the request is gone.
    struct RequestFacts {
        var version: HTTPVersion
        var keepAlive: Bool
        var headOnly: Bool
        /// For the access log (nil when it is off, or for a refused request).
        var access: AccessRequest? = nil
    }

    let fd: Int32
    /// The client's address (getpeername at accept; `.unknown` if not needed).
    var peer = PeerAddress.unknown
    /// When the worker first saw bytes of the request being received (nil
    /// between requests); taken by the access log's duration.
    var requestStart: Instant?
    var parser: RequestParser
    var output: [UInt8] = []
    var written = 0
    /// A file body to send (sendfile) once `output` is written; nothing after
    /// it is parsed until it is sent, so responses stay in order.
    var file: FileBody?
    /// A fact about the peer (not our state): it shut its side. What was
    /// received is answered, then the connection closes.
    var inputClosed = false
    /// The last answered request said it was the client's last (Connection:
    /// close, or HTTP/1.0 without keep-alive).
    var clientClosing = false
    /// TCP_NODELAY is set (see `setNoDelay`).
    private(set) var noDelay = false
    /// A write hit EAGAIN: the connection waits for EPOLLOUT.
    var pollingWrite = false
    /// In the worker's epoll set (a connection answered and closed in the
    /// turn that accepted it never is).
    var registered = false
    /// Responses written on this connection.
    var responses = 0
    /// The parser phase last seen, and since when (header/body timeouts run
    /// from the start of the phase, not from the last byte: slowloris guard).
    var phase: RequestParser.Phase = .idle
    var phaseSince: Instant
    var lastWriteProgress: Instant
    var deadline: Instant
    /// Whether it counts against the lifetime accept gate (Worker+UnitClaims).
    var claim: UnitClaim = .held

    init(fd: Int32, limits: ParserLimits, now: Instant) {
        self.fd = fd
        self.parser = RequestParser(limits: limits)
        self.phaseSince = now
        self.lastWriteProgress = now
        self.deadline = now
    }

    /// Best effort: a peer that reset meanwhile fails the next write anyway.
    func setNoDelay() {
        try? Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, "TCP_NODELAY")
        noDelay = true
    }

    var hasPendingOutput: Bool { written < output.count || file != nil }

    /// Closes the pending file body's descriptor, if any (sent, or the connection closes).
    func releaseFile() {
        if let file { Posix.close(file.fd) }
        file = nil
    }

    /// Drops whatever this connection still owed (a file body, a delayed
    /// reply and its file): it is closing.
    func releaseBodies() {
        releaseFile()
        if let file = delayedReply?.file { Posix.close(file.fd) }
        if delayedReply != nil { state = .open }
    }

    /// Nothing received, nothing owed: safe to close when the worker drains.
    var isIdle: Bool { isOpen && parser.phase == .idle && !hasPendingOutput }

    /// Notes a phase change so the matching timeout starts now.
    func trackPhase(now: Instant) {
        let current = parser.phase
        if current != .idle && requestStart == nil { requestStart = now }
        if current != phase {
            phase = current
            phaseSince = now
        }
    }

    /// The instant at which this connection needs attention: its delayed
    /// reply is due, or the timeout of its current state runs out.
    func computeDeadline(_ timeouts: ConnectionTimeouts) -> Instant {
        switch state {
        case .lingering(let until): return until
        case .delaying(let reply): return reply.due
        case .open, .closing: break
        }
        if hasPendingOutput { return lastWriteProgress.after(timeouts.write) }
        switch phase {
        case .idle: return claimDeadline(before: phaseSince.after(responses == 0 ? timeouts.header : timeouts.keepalive))
        case .head: return claimDeadline(before: phaseSince.after(timeouts.header))
        case .body: return phaseSince.after(timeouts.body)
        }
    }
}

/// The per-connection timeouts, from the configuration, in nanoseconds:
/// a deadline is computed per request, and Duration arithmetic (128-bit
/// multiplies in `components`) cost about 500 instructions per request.
struct ConnectionTimeouts {
    var header: UInt64
    var body: UInt64
    var keepalive: UInt64
    var write: UInt64

    init(_ config: Configuration) {
        header = Self.nanoseconds(config.headerTimeout)
        body = Self.nanoseconds(config.bodyTimeout)
        keepalive = Self.nanoseconds(config.keepaliveTimeout)
        write = Self.nanoseconds(config.writeTimeout)
    }

    /// Whole nanoseconds, negative as zero.
    static func nanoseconds(_ d: Duration) -> UInt64 { UInt64(max(d.nanosecondsClamped, 0)) }
}

extension Instant {
    /// `nanoseconds` later (saturating at the end of time).
    func after(_ nanoseconds: UInt64) -> Instant {
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        return Instant(nanoseconds: overflow ? .max : sum)
    }
}

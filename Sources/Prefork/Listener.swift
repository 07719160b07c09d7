@preconcurrency import Glibc

/// The one listening socket, bound by the master before any fork and shared
/// by every worker. Non-blocking: each worker's epoll wakes it, and a worker
/// that loses the accept race gets EAGAIN instead of sleeping in accept().
struct Listener {
    let fd: Int32
    let host: String
    /// The bound port (the kernel's choice when asked for 0).
    let port: Int
    /// Passed to us (socket activation, upgrade): `host` and `port` are its
    /// real address, and `--host`/`--port` were ignored.
    var inherited = false

    /// `host:port` with IPv6 literals bracketed (logs).
    var address: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `http://host:port/`: the ready line's url.
    var url: String { "http://\(address)/" }

    static func bind(host: String, port: Int, backlog: Int, deferAccept: Int = 0) throws(StartupError) -> Listener {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw StartupError("cannot resolve --host \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let fd: Int32
        do { fd = try Posix.socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)) } catch {
            throw StartupError(posix: error)
        }
        do {
            // SO_REUSEADDR: a restart on the same port works while old
            // connections sit in TIME_WAIT.
            try Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            try Posix.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen)
            try Posix.listen(fd, backlog: backlog)
            if deferAccept > 0 { Self.deferAccept(fd, seconds: deferAccept) }
            return Listener(fd: fd, host: host, port: try boundPort(fd))
        } catch {
            Posix.close(fd)
            let hint = error.errno == EADDRINUSE ? " (another process is listening on \(host):\(port))" : ""
            throw StartupError("cannot listen on \(host):\(port): \(error)\(hint)")
        }
    }

    /// TCP_DEFER_ACCEPT: the kernel queues a connection for accept only once
    /// its first bytes arrived, so a worker is woken once per connection and
    /// accepts, reads, answers and (Connection: close) closes in one turn,
    /// instead of waking for the handshake and again for the request.
    /// A connection that sends nothing is queued after about `seconds` anyway
    /// (and then meets the header timeout). Apache (AcceptFilter http data)
    /// and unicorn (tcp_defer_accept) do the same by default on Linux.
    /// Best effort: not every socket family has it.
    static func deferAccept(_ fd: Int32, seconds: Int) {
        try? Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, Int32(clamping: seconds), "TCP_DEFER_ACCEPT")
    }

    private static func boundPort(_ fd: Int32) throws(PosixError) -> Int {
        try SocketActivation.localAddress(fd).port
    }

    /// Closes our descriptor only: never shutdown(), which would stop the
    /// socket for every other holder (an upgrade's new master, systemd).
    func close() { Posix.close(fd) }
}

/// A reason the daemon could not start, printed as one line (also through the
/// daemon's readiness pipe, so a bind error is never invisible).
public struct StartupError: Error, CustomStringConvertible, Sendable {
    /// The one line printed (after `preforkd: `) or sent to the launcher.
    public let description: String

    /// A reason in words, e.g. "cannot listen on 127.0.0.1:80: ...".
    public init(_ message: String) { description = message }
    init(posix: PosixError) { description = posix.description }
}

@preconcurrency import Glibc

/// The one listening socket, bound by the master before any fork and shared
/// by every worker. Non-blocking: each worker's epoll wakes it, and a worker
/// that loses the accept race gets EAGAIN instead of sleeping in accept().
struct Listener {
    let fd: Int32
    let host: String
    /// The bound port (the kernel's choice when asked for 0).
    let port: Int

    /// `http://host:port/` with IPv6 literals bracketed: the ready line's url.
    var url: String {
        host.contains(":") ? "http://[\(host)]:\(port)/" : "http://\(host):\(port)/"
    }

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
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw StartupError(posix: PosixError(call: "socket", errno: errno)) }
        do {
            var on: Int32 = 1
            // SO_REUSEADDR: a restart on the same port works while old
            // connections sit in TIME_WAIT.
            _ = try Posix.retrying("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try Posix.retrying("bind") { Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) }
            _ = try Posix.retrying("listen") { Glibc.listen(fd, Int32(backlog)) }
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
    private static func deferAccept(_ fd: Int32, seconds: Int) {
        var value = Int32(seconds)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func boundPort(_ fd: Int32) throws(PosixError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if rc != 0 { throw PosixError(call: "getsockname", errno: errno) }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

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

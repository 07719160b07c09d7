import CShims
import Glibc

/// The suite's socket calls (client sockets, the fault proxy, test servers):
/// the same shape as the rest of `Sys`, EINTR retried, failures thrown as
/// `SystemCallError`, "would block" returned as nil.
extension Sys {
    /// socket(2) of `domain` and `type` (flags such as SOCK_CLOEXEC or'ed in).
    public static func socket(_ domain: Int32, _ type: Int32) throws(SystemCallError) -> Int32 {
        try retrying("socket") { Glibc.socket(domain, type, 0) }
    }

    /// A close-on-exec IPv4 stream socket, non-blocking when asked.
    public static func tcpSocket(nonBlocking: Bool = false) throws(SystemCallError) -> Int32 {
        let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        return try socket(AF_INET, Int32(SOCK_STREAM.rawValue) | flags)
    }

    /// connect(2) to an IPv4 address: true once connected, false while a
    /// non-blocking connect is under way (EINPROGRESS, or EINTR, after which
    /// the connect goes on in the background: poll for POLLOUT, then `socketError`).
    public static func connect(_ fd: Int32, _ address: sockaddr_in) throws(SystemCallError) -> Bool {
        var addr = address
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return true }
        let code = Glibc.errno
        guard code == EINPROGRESS || code == EINTR else { throw SystemCallError(call: "connect", errno: code) }
        return false
    }

    /// SO_ERROR: the pending error of a socket (a finished non-blocking connect's result; 0 = none).
    public static func socketError(_ fd: Int32) throws(SystemCallError) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt(SO_ERROR)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) }
        return err
    }

    /// bind(2) to an IPv4 address.
    public static func bind(_ fd: Int32, _ address: sockaddr_in) throws(SystemCallError) {
        var addr = address
        _ = try withUnsafePointer(to: &addr) { p throws(SystemCallError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemCallError) in
                try retrying("bind") { Glibc.bind(fd, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// listen(2).
    public static func listen(_ fd: Int32, backlog: Int32) throws(SystemCallError) {
        _ = try retrying("listen") { Glibc.listen(fd, backlog) }
    }

    /// getsockname(2) of an IPv4 socket.
    public static func localAddress(_ fd: Int32) throws(SystemCallError) -> sockaddr_in {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try withUnsafeMutablePointer(to: &addr) { p throws(SystemCallError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemCallError) in
                try retrying("getsockname") { getsockname(fd, sa, &len) }
            }
        }
        return addr
    }

    /// accept(2), the new descriptor made close-on-exec (a blocking one, as
    /// the listener); nil when the queue is empty (EAGAIN) or the connection
    /// was aborted before we took it (ECONNABORTED).
    public static func accept(_ fd: Int32) throws(SystemCallError) -> Int32? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                do throws(SystemCallError) { _ = try retrying("fcntl(F_SETFD)") { fcntl(client, F_SETFD, FD_CLOEXEC) } } catch {
                    close(client)
                    throw error
                }
                return client
            }
            switch Glibc.errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, ECONNABORTED: return nil
            case let code: throw SystemCallError(call: "accept4", errno: code)
            }
        }
    }

    /// send(2) once (MSG_NOSIGNAL added: a gone peer is EPIPE, never SIGPIPE);
    /// nil when it would block.
    public static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, flags: Int32 = 0) throws(SystemCallError) -> Int? {
        try nonBlocking("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, flags | Int32(MSG_NOSIGNAL)) }
    }

    /// Sends all of `bytes` on a blocking socket; a send that would block
    /// (SO_SNDTIMEO ran out) or wrote nothing throws.
    public static func sendAll<Bytes: Collection<UInt8>>(_ fd: Int32, _ bytes: Bytes) throws(SystemCallError) {
        try whole("send", Array(bytes)) { part throws(SystemCallError) in try send(fd, part) }
    }

    /// recv(2) once into `buffer`; nil when nothing is there (EAGAIN: a
    /// non-blocking socket, MSG_DONTWAIT, or SO_RCVTIMEO ran out), 0 at EOF.
    public static func recv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, flags: Int32 = 0) throws(SystemCallError) -> Int? {
        try nonBlocking("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    /// MSG_DONTWAIT (0x40), which Glibc's module map does not export here: a
    /// recv that returns EAGAIN instead of waiting on a blocking socket.
    public static let dontWait: Int32 = 0x40

    /// shutdown(2); false when the socket is not connected (any more,
    /// ENOTCONN: the peer reset it, or it never connected), which for the
    /// suite is an observation about the peer, not a failure of its own.
    @discardableResult
    public static func shutdown(_ fd: Int32, _ how: Int32) -> Bool {
        Glibc.shutdown(fd, how) == 0
    }

    /// Clears or sets O_NONBLOCK.
    public static func setNonBlocking(_ fd: Int32, _ on: Bool) throws(SystemCallError) {
        let flags = try retrying("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        _ = try retrying("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) }
    }

    /// F_SETPIPE_SZ (Linux; Glibc's module map leaves the constant out): the
    /// pipe's buffer in bytes (the kernel rounds up to a page).
    public static func setPipeSize(_ fd: Int32, _ bytes: Int32) throws(SystemCallError) {
        _ = try retrying("fcntl(F_SETPIPE_SZ)") { fcntl(fd, 1031, bytes) }
    }
}

import Glibc

/// TCP ports on 127.0.0.1.
public enum Ports {
    /// A port the kernel reports free right now (bind to port 0, read it back).
    /// Another process may still take it before you bind; prefer `--port 0` when possible.
    public static func free() -> Int {
        do {
            let (fd, port) = try bound(listening: nil)
            close(fd)
            return port
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// A socket listening on 127.0.0.1 at a port the kernel picks (a test
    /// server, or a port made "taken"). The caller owns and closes `fd`.
    public static func listen(backlog: Int32 = 128) throws(SystemCallError) -> (fd: Int32, port: Int) {
        try bound(listening: backlog)
    }

    /// Binds 127.0.0.1:0, listens when `backlog` is given, reads the port back.
    private static func bound(listening backlog: Int32?) throws(SystemCallError) -> (fd: Int32, port: Int) {
        let fd = try Sys.retrying("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var addr = loopback(port: 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let failed: String? = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                if bind(fd, sa, len) != 0 { return "bind" }
                if let backlog, Glibc.listen(fd, backlog) != 0 { return "listen" }
                return getsockname(fd, sa, &len) != 0 ? "getsockname" : nil
            }
        }
        if let failed {
            let code = errno
            Sys.close(fd)
            throw SystemCallError(call: failed, errno: code)
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// True if a TCP connect to host:port succeeds within `timeout` seconds.
    public static func accepts(host: String = "127.0.0.1", port: Int, timeout: Double = 1) -> Bool {
        connectErrno(host: host, port: port, timeout: timeout) == 0
    }

    /// True if a TCP connect to host:port is refused (ECONNREFUSED): nothing listens.
    public static func refuses(host: String = "127.0.0.1", port: Int, timeout: Double = 1) -> Bool {
        connectErrno(host: host, port: port, timeout: timeout) == ECONNREFUSED
    }

    /// 0 on success, else the connect errno (ETIMEDOUT on timeout, EINVAL for a bad host).
    static func connectErrno(host: String, port: Int, timeout: Double) -> Int32 {
        var addr = loopback(port: port)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return EINVAL }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if r == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&pfd, 1, Int32(timeout * 1000)) } while ready == -1 && errno == EINTR
        guard ready > 0 else { return ETIMEDOUT }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
        return soError
    }

    static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return addr
    }
}

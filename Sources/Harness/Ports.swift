import Glibc

/// TCP ports on 127.0.0.1.
public enum Ports {
    /// A port the kernel reports free right now (bind to port 0, read it back).
    /// Another process may still take it before you bind; prefer `--port 0` when possible.
    public static func free() -> Int {
        do {
            let (fd, port) = try bound(listening: nil)
            Sys.close(fd)
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
        let fd = try Sys.tcpSocket()
        do throws(SystemCallError) {
            try Sys.bind(fd, loopback(port: 0))
            if let backlog { try Sys.listen(fd, backlog: backlog) }
            return (fd, Int(UInt16(bigEndian: try Sys.localAddress(fd).sin_port)))
        } catch {
            Sys.close(fd)
            throw error
        }
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
        do {
            _ = try ClientSocket(host: host, port: port, timeout: timeout)
            return 0
        } catch {
            return error.errno
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return addr
    }
}

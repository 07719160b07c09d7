@preconcurrency import Glibc
import CShims

/// systemd's socket-activation convention (sd_listen_fds(3)), which is also
/// how an upgrading master hands its socket to the new one: `LISTEN_FDS=1`
/// and `LISTEN_PID=<our pid>` mean fd 3 is a listening socket someone else
/// opened for us. A holder (systemd, a test harness, the old master) keeps it
/// listening across our restarts, so it is never shut down, only closed.
enum SocketActivation {
    /// The first passed descriptor (SD_LISTEN_FDS_START).
    static let firstFD: Int32 = 3

    /// fd 3 if the environment passes it to this very process; nil when the
    /// variables are absent or meant for another pid (a parent's leftovers).
    /// The variables are removed either way, so workers and later children
    /// (the next upgrade sets them afresh) never see stale ones.
    static func fromEnvironment(pid: pid_t = getpid()) -> Int32? {
        defer { for name in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] { unsetenv(name) } }
        guard let fds = environment("LISTEN_FDS"), let count = Int(fds), count >= 1,
              let target = environment("LISTEN_PID"), pid_t(target) == pid else { return nil }
        return firstFD
    }

    /// Checks that `fd` is a listening TCP stream socket and wraps it. The
    /// descriptor becomes close-on-exec (only an upgrade passes it on, on
    /// purpose) and non-blocking (workers rely on EAGAIN from accept).
    static func adopt(fd: Int32, deferAccept: Int) throws(StartupError) -> Listener {
        let socketType: Int32
        let listening: Int32
        do {
            socketType = try Posix.option(fd, SOL_SOCKET, SO_TYPE, "SO_TYPE")
            listening = try Posix.option(fd, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN")
        } catch {
            throw StartupError("inherited fd \(fd) is not a socket: \(error)")
        }
        guard socketType == Int32(SOCK_STREAM.rawValue) else { throw StartupError("inherited fd \(fd) is not a stream socket") }
        guard listening == 1 else { throw StartupError("inherited fd \(fd) is not a listening socket") }
        let address: (host: String?, port: Int)
        do {
            address = try localAddress(fd)
            try Posix.setCloseOnExec(fd)
            try Posix.setNonBlocking(fd)
        } catch {
            throw StartupError("inherited fd \(fd): \(error)")
        }
        guard let host = address.host else { throw StartupError("inherited fd \(fd) is not a TCP socket (IPv4 or IPv6)") }
        if deferAccept > 0 { Listener.deferAccept(fd, seconds: deferAccept) }
        return Listener(fd: fd, host: host, port: address.port, inherited: true)
    }

    /// getsockname(2) as a numeric host (nil for a non-IP family) and a port.
    static func localAddress(_ fd: Int32) throws(PosixError) -> (host: String?, port: Int) {
        var storage = try Posix.localAddress(fd)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafePointer(to: &storage) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    var raw = $0.pointee.sin6_addr
                    let host = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)).map { String(cString: $0) }
                    return (host, Int(UInt16(bigEndian: $0.pointee.sin6_port)))
                }
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    var raw = $0.pointee.sin_addr
                    let host = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)).map { String(cString: $0) }
                    return (host, Int(UInt16(bigEndian: $0.pointee.sin_port)))
                }
            default:
                return (nil, 0)
            }
        }
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

import CShims
import Glibc

/// Network namespaces and Unix sockets, for fleet-run: its load threads
/// enter the client namespace, and it asks HAProxy's stats socket.
extension Sys {
    /// Moves the CALLING THREAD into the network namespace at `path`
    /// (e.g. /var/run/netns/NAME): setns(2) with CLONE_NEWNET. Sockets the
    /// thread opens afterwards live in that namespace; other threads are untouched.
    public static func enterNetworkNamespace(_ path: String) throws(SystemCallError) {
        let fd = try open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        _ = try retrying("setns(\(path))") { cshim_setns_net(fd) }
    }

    /// connect(2) to the Unix stream socket at `path`, send `request`, read to
    /// EOF (at most `timeout` seconds): HAProxy's stats socket answers a
    /// command and closes.
    public static func unixExchange(_ path: String, _ request: String, timeout: Double) throws(SystemCallError) -> String {
        let fd = try socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemCallError(call: "connect(\(path)): path too long", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let seconds = Int(timeout)
        try setOption(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(tv_sec: seconds, tv_usec: Int((timeout - Double(seconds)) * 1e6)), "SO_RCVTIMEO")
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        _ = try retrying("connect(\(path))") {
            withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
            }
        }
        try writeAll(fd, Array(request.utf8))
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemCallError) in try read(fd, buffer) }
            }.get()
            guard let n, n > 0 else { break }  // EOF, or the timeout (EAGAIN): what came is the answer
            reply.append(contentsOf: chunk[..<n])
        }
        return String(decoding: reply, as: UTF8.self)
    }
}

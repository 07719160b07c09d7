import Glibc

/// A blocking TCP client socket to a loopback server, for what libcurl will
/// not send (malformed framing, pipelining, slowloris trickles, resets).
/// Deliberately tiny and independent of the server's code: it sends exactly
/// the bytes given and hands over what it reads unparsed. The one copy the
/// suite has (Conformance, Chaos and the integration tests all use it).
public final class ClientSocket: @unchecked Sendable {   // one user at a time
    /// What one read produced.
    public enum ReadResult: Equatable, Sendable {
        case bytes([UInt8])
        /// Orderly EOF from the peer.
        case eof
        /// ECONNRESET (or another hard error): the peer aborted.
        case reset
        /// Nothing arrived before the deadline.
        case timeout
    }

    public private(set) var fd: Int32

    /// Connects to host:port (an IPv4 literal) within `timeout` seconds.
    /// Non-blocking connect + poll: when the server's accept queue is full the
    /// kernel drops SYNs, and a blocking connect would hang for minutes.
    /// `noDelay`: one write leaves as one segment (for byte-wise sends).
    public init(host: String = "127.0.0.1", port: Int, timeout: Double = 5, noDelay: Bool = true) throws(SystemCallError) {
        fd = try Sys.retrying("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0) }
        do throws(SystemCallError) {
            if noDelay { try Sys.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, Int32(1), "TCP_NODELAY") }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw SystemCallError(call: "inet_pton(\(host))", errno: EINVAL) }
            let sock = fd
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc != 0 {
                guard Glibc.errno == EINPROGRESS || Glibc.errno == EINTR else { throw SystemCallError(call: "connect", errno: Glibc.errno) }
                let revents = try Sys.poll(fd, Int16(POLLOUT), timeoutMs: Int32(max(0, timeout) * 1000))
                guard revents != 0 else { throw SystemCallError(call: "connect", errno: ETIMEDOUT) }
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                _ = try Sys.retrying("getsockopt(SO_ERROR)") { getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) }
                guard err == 0 else { throw SystemCallError(call: "connect", errno: err) }
            }
            let flags = try Sys.retrying("fcntl(F_GETFL)") { fcntl(sock, F_GETFL) }
            _ = try Sys.retrying("fcntl(F_SETFL)") { fcntl(sock, F_SETFL, flags & ~O_NONBLOCK) }
        } catch {
            Sys.close(fd)
            fd = -1
            throw error
        }
    }

    deinit { close() }

    /// Closes (FIN); idempotent.
    public func close() {
        if fd >= 0 { Sys.close(fd); fd = -1 }
    }

    /// Blocking reads and writes give up after `seconds` (SO_RCVTIMEO/SO_SNDTIMEO).
    public func setTimeout(_ seconds: Double) throws(SystemCallError) {
        let tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        try Sys.setOption(fd, SOL_SOCKET, SO_RCVTIMEO, tv, "SO_RCVTIMEO")
        try Sys.setOption(fd, SOL_SOCKET, SO_SNDTIMEO, tv, "SO_SNDTIMEO")
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a gone peer is EPIPE, never SIGPIPE).
    public func send(_ bytes: [UInt8]) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let sock = fd
            let n = try Sys.retrying("send") {
                bytes.withUnsafeBytes { Glibc.send(sock, $0.baseAddress! + start, $0.count - start, Int32(MSG_NOSIGNAL)) }
            }
            guard n > 0 else { throw SystemCallError(call: "send", errno: EPIPE) }
            offset += n
        }
    }

    public func send(_ text: String) throws(SystemCallError) { try send(Array(text.utf8)) }

    /// One blocking recv of up to 64 KiB: bytes, EOF, reset, or timeout (SO_RCVTIMEO).
    public func receive() -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let sock = fd
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(sock, $0.baseAddress, $0.count, 0) }
            if n > 0 { return .bytes(Array(buffer[0..<n])) }
            if n == 0 { return .eof }
            switch Glibc.errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .timeout
            default: return .reset
            }
        }
    }

    /// Waits until `deadline` (monotonic seconds) for bytes, EOF or reset.
    public func receive(until deadline: Double) -> ReadResult {
        while true {
            let left = deadline - Double(Sys.monotonicNanos()) / 1e9
            if left <= 0 { return .timeout }
            guard let revents = try? Sys.poll(fd, Int16(POLLIN), timeoutMs: Int32(min(left * 1000, 60_000)) + 1) else { return .reset }
            if revents == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let sock = fd
            let n = buffer.withUnsafeMutableBytes { recv(sock, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { return .bytes(Array(buffer[0..<n])) }
            if n == 0 { return .eof }
            if Glibc.errno == EINTR || Glibc.errno == EAGAIN { continue }
            return .reset
        }
    }

    /// Half-closes the write side: the server sees EOF after what was sent.
    public func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with SO_LINGER 0: the kernel sends RST instead of FIN.
    public func resetClose() {
        try? Sys.setOption(fd, SOL_SOCKET, SO_LINGER, linger(l_onoff: 1, l_linger: 0), "SO_LINGER")
        close()
    }
}

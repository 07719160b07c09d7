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
        fd = try Sys.tcpSocket(nonBlocking: true)
        do throws(SystemCallError) {
            if noDelay { try Sys.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, Int32(1), "TCP_NODELAY") }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw SystemCallError(call: "inet_pton(\(host))", errno: EINVAL) }
            if try !Sys.connect(fd, addr) {
                let revents = try Sys.poll(fd, Int16(POLLOUT), timeoutMs: Int32(max(0, timeout) * 1000))
                guard revents != 0 else { throw SystemCallError(call: "connect", errno: ETIMEDOUT) }
                let err = try Sys.socketError(fd)
                guard err == 0 else { throw SystemCallError(call: "connect", errno: err) }
            }
            try Sys.setNonBlocking(fd, false)
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
    public func send(_ bytes: [UInt8]) throws(SystemCallError) { try Sys.sendAll(fd, bytes) }

    public func send(_ text: String) throws(SystemCallError) { try send(Array(text.utf8)) }

    /// One blocking recv of up to 64 KiB: bytes, EOF, reset, or timeout (SO_RCVTIMEO).
    public func receive() -> ReadResult { receive(flags: 0) }

    /// What is there now, without waiting: bytes, EOF, reset, or `.timeout` for nothing yet.
    public func receiveNow() -> ReadResult { receive(flags: Sys.dontWait) }

    /// Waits until `deadline` (monotonic seconds) for bytes, EOF or reset.
    public func receive(until deadline: Double) -> ReadResult {
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return .timeout }
            guard let revents = try? Sys.poll(fd, Int16(POLLIN), timeoutMs: Int32(min(left * 1000, 60_000)) + 1) else { return .reset }
            if revents == 0 { continue }
            let result = receiveNow()
            if result != .timeout { return result }
        }
    }

    /// One recv: nil from Sys (EAGAIN) is a timeout, a failure (ECONNRESET...) a reset.
    private func receive(flags: Int32) -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let sock = fd
        do {
            guard let n = try buffer.withUnsafeMutableBytes({ raw throws(SystemCallError) in try Sys.recv(sock, raw, flags: flags) })
            else { return .timeout }
            return n == 0 ? .eof : .bytes(Array(buffer[0..<n]))
        } catch {
            return .reset
        }
    }

    /// Half-closes the write side: the server sees EOF after what was sent.
    public func shutdownWrite() { Sys.shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with SO_LINGER 0: the kernel sends RST instead of FIN.
    public func resetClose() {
        try? Sys.setOption(fd, SOL_SOCKET, SO_LINGER, linger(l_onoff: 1, l_linger: 0), "SO_LINGER")
        close()
    }
}

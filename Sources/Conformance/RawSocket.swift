@preconcurrency import Glibc

/// A failed socket call: the call's name and errno.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    /// The syscall that failed.
    public let call: String
    /// errno at the time of the failure.
    public let errno: Int32
    /// "connect: Connection refused".
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// What one read from the socket produced.
enum ReadResult: Equatable {
    case bytes([UInt8])
    /// Orderly EOF from the peer.
    case eof
    /// ECONNRESET (or another hard error): the peer aborted.
    case reset
    /// Nothing arrived before the deadline.
    case timeout
}

/// A blocking TCP client socket to 127.0.0.1 with poll-based deadlines.
/// Deliberately tiny and independent of the server's code: what it sends is
/// exactly the bytes given, and what it reads is handed over unparsed.
final class RawSocket {
    private(set) var fd: Int32

    /// Connects to host:port (IPv4 literal) within `timeout` seconds.
    init(host: String, port: Int, timeout: Double) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: Glibc.errno) }
        var one: Int32 = 1
        // One byte per write must really leave as one segment: no Nagle.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            close(fd)
            throw SocketError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        // Non-blocking connect + poll: when the server's accept queue is full
        // the kernel drops SYNs and a blocking connect would hang for minutes.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            let e = Glibc.errno
            guard e == EINPROGRESS, let err = Self.awaitConnect(fd, timeout: timeout), err == 0 else {
                let code = e == EINPROGRESS ? (Self.awaitConnect(fd, timeout: 0) ?? ETIMEDOUT) : e
                close(fd)
                throw SocketError(call: "connect", errno: code == 0 ? ETIMEDOUT : code)
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
    }

    /// Waits for a non-blocking connect: SO_ERROR once writable, nil on timeout.
    private static func awaitConnect(_ fd: Int32, timeout: Double) -> Int32? {
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let deadline = Clock.now() + timeout
        while true {
            let rc = poll(&pfd, 1, Int32(max(0, deadline - Clock.now()) * 1000))
            if rc < 0 && errno == EINTR { continue }
            if rc <= 0 { return nil }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            return err
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Writes all of `bytes`; with `bytewise`, one byte per write() with a short
    /// pause so the server's reads really see the fragments. Returns false when
    /// the peer already closed or reset (EPIPE/ECONNRESET): that is an
    /// observation, not an error of the suite.
    @discardableResult
    func send(_ bytes: [UInt8], bytewise: Bool = false) -> Bool {
        if !bytewise { return writeAll(bytes[...]) }
        for i in bytes.indices {
            if !writeAll(bytes[i...i]) { return false }
            usleep(300)
        }
        return true
    }

    private func writeAll(_ slice: ArraySlice<UInt8>) -> Bool {
        var offset = slice.startIndex
        while offset < slice.endIndex {
            let n = slice[offset...].withUnsafeBytes { buf in
                Glibc.send(fd, buf.baseAddress, buf.count, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Waits until `deadline` (monotonic seconds) for bytes, EOF or reset.
    func read(until deadline: Double) -> ReadResult {
        while true {
            let left = deadline - Clock.now()
            if left <= 0 { return .timeout }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(min(left * 1000, 60_000)) + 1)
            if rc < 0 { if errno == EINTR { continue }; return .reset }
            if rc == 0 { continue }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return .bytes(Array(buf[0..<n])) }
            if n == 0 { return .eof }
            if errno == EINTR || errno == EAGAIN { continue }
            return .reset
        }
    }

    /// Half-closes the write side: the server sees EOF after what was sent.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with SO_LINGER 0 so the kernel sends RST instead of FIN.
    func resetClose() {
        var lin = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }
}

/// Monotonic time in seconds.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

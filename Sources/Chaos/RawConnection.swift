import Glibc

/// A blocking TCP connection to 127.0.0.1 for what libcurl cannot send:
/// malformed framing and slowloris trickles. Syscalls retry EINTR; errors
/// carry errno and the call name.
final class RawConnection {
    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    private(set) var fd: Int32

    init(port: Int, timeout: Double = 2) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sock = fd
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                retryEINTR { connect(sock, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard r == 0 else {
            let e = errno
            Glibc.close(fd)
            fd = -1
            throw SocketError(call: "connect", errno: e)
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { p in
                retryEINTR { Glibc.send(fd, p.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            }
            guard n > 0 else { throw SocketError(call: "send", errno: errno) }
            off += n
        }
    }

    func send(_ s: String) throws { try send(Array(s.utf8)) }

    /// Reads until the peer closes, the head is complete, or the timeout.
    func readHead(limit: Int = 16384) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { p in retryEINTR { recv(fd, p.baseAddress!, p.count, 0) } }
            if n <= 0 { break }
            out += buf[0..<n]
            if out.count >= 4, out.lastRange(of: [13, 10, 13, 10]) != nil { break }
        }
        return out
    }
}

/// A parsed raw response head: status and the worker headers.
struct RawResponseHead {
    var status: Int
    var workerPid: Int32?
    var served: Int?

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("HTTP/"), first.count >= 12,
              let code = Int(first.dropFirst(9).prefix(3)) else { return nil }
        status = code
        for l in lines.dropFirst() {
            guard let colon = l.firstIndex(of: ":") else { continue }
            let name = l[..<colon].lowercased()
            let value = l[l.index(after: colon)...].trimmingPrefix(" ")
            if name == "x-worker-pid" { workerPid = Int32(value) }
            if name == "x-worker-served" { served = Int(value) }
        }
    }
}

@inline(__always)
func retryEINTR<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let r = body()
        if r == -1 && errno == EINTR { continue }
        return r
    }
}

extension Array where Element == UInt8 {
    func lastRange(of needle: [UInt8]) -> Range<Int>? {
        guard count >= needle.count else { return nil }
        for i in stride(from: count - needle.count, through: 0, by: -1) where Array(self[i..<(i + needle.count)]) == needle {
            return i..<(i + needle.count)
        }
        return nil
    }
}

/// MSG_DONTWAIT (0x40), which Glibc's module map does not export here: a
/// recv that returns EAGAIN instead of waiting on a blocking socket.
let dontWait: Int32 = 0x40

import Glibc
import Harness

/// A blocking TCP connection to 127.0.0.1 for what libcurl cannot send:
/// malformed framing and slowloris trickles. Harness's `ClientSocket` (the
/// suite's one raw client) with SO_RCVTIMEO/SO_SNDTIMEO set to `timeout`.
final class RawConnection {
    private let socket: ClientSocket

    var fd: Int32 { socket.fd }

    init(port: Int, timeout: Double = 2) throws(SystemCallError) {
        socket = try ClientSocket(port: port, timeout: timeout, noDelay: false)
        try socket.setTimeout(timeout)
    }

    func close() { socket.close() }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws(SystemCallError) { try socket.send(bytes) }

    func send(_ s: String) throws(SystemCallError) { try send(Array(s.utf8)) }

    /// What arrived so far, without waiting (`.timeout`: nothing yet).
    func receiveNow() -> ClientSocket.ReadResult { socket.receiveNow() }

    /// Reads until the peer closes, the head is complete, or the timeout.
    func readHead(limit: Int = 16384) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < limit, case .bytes(let bytes) = socket.receive() {
            out += bytes
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

extension Array where Element == UInt8 {
    func lastRange(of needle: [UInt8]) -> Range<Int>? {
        guard count >= needle.count else { return nil }
        for i in stride(from: count - needle.count, through: 0, by: -1) where Array(self[i..<(i + needle.count)]) == needle {
            return i..<(i + needle.count)
        }
        return nil
    }
}

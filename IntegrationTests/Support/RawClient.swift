import Foundation
import Glibc

/// A tiny blocking TCP client for what libcurl will not send (pipelining,
/// garbage, hand-made Expect). Deliberately shares nothing with HTTP1 or
/// Prefork: a parser bug must not mirror itself here.
final class RawClient: @unchecked Sendable {   // one fd, one user at a time
    let fd: Int32

    init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { throw RawError("connect errno \(errno)") }   // deinit closes fd (no double close)
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw RawError("send errno \(errno)") }
            sent += n
        }
    }

    /// Reads until `done(received)` is true, the peer closes (then `closed`
    /// is true) or the socket timeout passes (an error).
    func read(until done: (String) -> Bool) throws -> (text: String, closed: Bool) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if done(text) { return (text, false) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return (text, true) }
            guard n > 0 else { throw RawError("recv errno \(errno) after \(data.count) bytes: \(text.debugDescription)") }
            data += chunk[..<n]
        }
    }

    /// Reads until the peer closes the connection.
    func readToClose() throws -> String { try read(until: { _ in false }).text }
}

struct RawError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Splits raw HTTP/1.1 responses: returns complete responses (head + body by
/// Content-Length) found in `text`, in order.
func splitResponses(_ text: String) -> [(status: Int, head: String, body: String)] {
    var out: [(Int, String, String)] = []
    var rest = Substring(text)
    while let headEnd = rest.range(of: "\r\n\r\n") {
        let head = String(rest[..<headEnd.lowerBound])
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let bodyStart = headEnd.upperBound
        let body = rest[bodyStart...].utf8.prefix(length)
        guard body.count == length else { break }
        out.append((status, head, String(decoding: body, as: UTF8.self)))
        rest = rest[rest.utf8.index(bodyStart, offsetBy: length)...]
    }
    return out
}

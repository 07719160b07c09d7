import Foundation
import Glibc
import Harness

/// A blocking TCP client for what libcurl will not send (pipelining,
/// garbage, hand-made Expect), over Harness's `ClientSocket` (the suite's one
/// raw socket). Shares nothing with HTTP1 or Prefork: a parser bug must not
/// mirror itself here.
final class RawClient: @unchecked Sendable {   // one socket, one user at a time
    private let socket: ClientSocket

    /// Connects within `timeout` seconds; reads and writes then give up after `timeout`.
    init(port: Int, timeout: Double = 5) throws {
        socket = try ClientSocket(port: port, timeout: timeout, noDelay: false)
        try socket.setTimeout(timeout)
    }

    func send(_ text: String) throws {
        try socket.send(text)
    }

    /// Reads until `done(received)` is true, the peer closes or resets (then
    /// `closed` is true) or the socket timeout passes (an error).
    func read(until done: (String) -> Bool) throws -> (text: String, closed: Bool) {
        var data: [UInt8] = []
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if done(text) { return (text, false) }
            switch socket.receive() {
            case .bytes(let bytes): data += bytes
            case .eof, .reset: return (text, true)
            case .timeout: throw RawError("recv timed out after \(data.count) bytes: \(text.debugDescription)")
            }
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

import Foundation
import Glibc
import Harness
import Synchronization

/// A tiny scripted HTTP/1.1 server on 127.0.0.1 for client tests: raw
/// sockets, a thread per connection; `script(connection, request)` decides
/// each answer. Never shares code with the daemon's parser.
final class TestServer: @unchecked Sendable {
    enum Action {
        /// Write these bytes; then close if `close`.
        case reply([UInt8], close: Bool)
        /// Close the connection without writing anything.
        case closeSilently
        /// Read the request, then never answer (until the server stops).
        case hang
    }

    struct Seen: Sendable {
        var connections = 0
        var requests = 0
        var rawRequests: [[UInt8]] = []
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (Int, Int) -> Action
    private let seen = Mutex(Seen())
    private let stopped = Atomic<Bool>(false)

    init(script: @escaping @Sendable (_ connection: Int, _ request: Int) -> Action) throws {
        self.script = script
        (listener, port) = try Ports.listen()
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    /// Convenience: answer every request with `response`, keep-alive.
    convenience init(always response: String) throws {
        let bytes = Array(response.utf8)
        try self.init { _, _ in .reply(bytes, close: false) }
    }

    var url: String { "http://127.0.0.1:\(port)/" }
    var stats: Seen { seen.withLock { $0 } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        Sys.shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit { Sys.close(listener) }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            // A failure (EINVAL) means stop() shut the listener down.
            guard let fd = try? Sys.accept(listener) else { return }
            let index = seen.withLock { s -> Int in s.connections += 1; return s.connections - 1 }
            let t = Thread { [self] in serve(fd, connection: index) }
            t.start()
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer { Sys.close(fd) }
        var buffer: [UInt8] = []
        var requestIndex = 0
        while let request = readRequest(fd, &buffer) {
            seen.withLock { $0.requests += 1; $0.rawRequests.append(request) }
            switch script(connection, requestIndex) {
            case .reply(let bytes, let close):
                guard writeAll(fd, bytes), !close else { return }
            case .closeSilently:
                return
            case .hang:
                while !stopped.load(ordering: .relaxed) { Sys.sleep(0.01) }
                return
            }
            requestIndex += 1
        }
    }

    /// Reads one request: head up to CRLFCRLF plus a Content-Length body.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = headEnd(buffer) {
                let total = end + contentLength(buffer[..<end])
                if buffer.count >= total {
                    let request = Array(buffer[..<total])
                    buffer.removeFirst(total)
                    return request
                }
            }
            // 0 at EOF; a reset (or the test's shutdown) ends the connection too.
            let n = (try? chunk.withUnsafeMutableBytes { raw throws(SystemCallError) in try Sys.read(fd, raw) }) ?? 0
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private func contentLength(_ head: ArraySlice<UInt8>) -> Int {
        // Byte-split lines: Swift Strings treat "\r\n" as one Character.
        for line in head.split(separator: 10) {
            let text = String(decoding: line, as: UTF8.self).lowercased()
            if text.hasPrefix("content-length:") {
                return Int(text.dropFirst(15).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        return 0
    }

    /// False once the client is gone (EPIPE, ECONNRESET): the script's connection ends.
    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool { (try? Sys.sendAll(fd, bytes)) != nil }
}

/// A 200 response with the worker headers and a body.
func workerResponse(pid: Int = 4242, served: Int = 7, slot: Int = 2, body: String = "hello",
                    extra: String = "") -> [UInt8] {
    Array(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
        + "X-Worker-Pid: \(pid)\r\nX-Worker-Served: \(served)\r\nX-Worker-Slot: \(slot)\r\n\(extra)\r\n\(body)").utf8)
}

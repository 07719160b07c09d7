import Foundation
import Glibc
import Harness
import Testing
@testable import Chaos

/// The fault proxy against a tiny HTTP server: toxics are seeded and each
/// does what it says; the server's answers are recorded even when the
/// client never sees them.
@Suite(.serialized) struct FaultProxyTests {
    static let body = String(repeating: "x", count: 400)
    static let response = "HTTP/1.1 200 OK\r\nX-Worker-Pid: 42\r\nX-Worker-Served: 1\r\nContent-Length: \(body.count)\r\n\r\n" + body

    /// Answers each connection's first request head, then closes; counts the
    /// recv calls that brought each head (slicing shows as many).
    final class TinyServer: Sendable {
        let fd: Int32
        let port: Int
        let readsPerRequest = Locked<[Int]>([])
        init() throws {
            (fd, port) = try Ports.listen()
            Thread.detachNewThread { [self] in
                while true {
                    let c = accept(fd, nil, nil)
                    guard c >= 0 else { return }
                    var got: [UInt8] = [], reads = 0
                    var buf = [UInt8](repeating: 0, count: 4096)
                    while got.lastRange(of: [13, 10, 13, 10]) == nil {
                        let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
                        if n <= 0 { break }
                        reads += 1
                        got += buf[..<n]
                    }
                    if !got.isEmpty {
                        readsPerRequest.withLock { $0.append(reads) }
                        _ = Array(FaultProxyTests.response.utf8).withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                    close(c)
                }
            }
        }
        func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    /// A seed whose first connection gets a toxic of `kind`.
    func seed(for kind: String, where fits: (Toxic) -> Bool = { _ in true }) -> UInt64 {
        (0..<UInt64(10_000)).first {
            let t = FaultProxy.toxic(seed: $0, connection: 1, destructive: true)
            return t.kind == kind && fits(t)
        }!
    }

    /// One request through a proxy seeded for `kind`: bytes received, how it ended, time taken.
    func exchange(_ kind: String, where fits: (Toxic) -> Bool = { _ in true }) throws -> (bytes: Int, reset: Bool, seconds: Double, toxic: Toxic, proxy: FaultProxy, server: TinyServer) {
        let server = try TinyServer()
        let proxy = try FaultProxy(targetPort: server.port, seed: seed(for: kind, where: fits), destructive: true,
                                   recordAnswers: true)
        proxy.start()
        let start = Date()
        let c = try RawConnection(port: proxy.port, timeout: 5)
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        var total = 0, reset = false
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == ECONNRESET { reset = true }
            if n <= 0 { break }
            total += n
        }
        let took = Date().timeIntervalSince(start)
        c.close()
        proxy.stop()
        server.stop()
        return (total, reset, took, proxy.toxic(forConnection: 1), proxy, server)
    }

    @Test func toxicsAreSeededAndBenignWhenAsked() throws {
        let a = (UInt64(1)...50).map { FaultProxy.toxic(seed: 5, connection: $0, destructive: true) }
        #expect(a == (UInt64(1)...50).map { FaultProxy.toxic(seed: 5, connection: $0, destructive: true) })
        #expect(a != (UInt64(1)...50).map { FaultProxy.toxic(seed: 6, connection: $0, destructive: true) })
        #expect(Set(a.map(\.kind)).count == 8)   // all of toxiproxy's kinds show up
        #expect((UInt64(1)...200).allSatisfy { !FaultProxy.toxic(seed: 5, connection: $0, destructive: false).isDestructive })
    }

    @Test func latencyDelaysAndLosesNothing() throws {
        let r = try exchange("latency") { if case .latency(let ms, let j) = $0 { return ms - j >= 10 } else { return false } }
        guard case .latency(let ms, let j) = r.toxic else { Issue.record("\(r.toxic)"); return }
        #expect(r.bytes == Self.response.utf8.count)
        #expect(r.seconds >= Double(2 * (ms - j)) / 1000)   // request and response each delayed (>= 20 ms; ~1 ms without)
    }

    @Test func limitDataCutsTheResponseButTheAnswerIsRecorded() throws {
        let r = try exchange("limit")
        guard case .limitData(let n) = r.toxic else { Issue.record("\(r.toxic)"); return }
        #expect(r.bytes == n)
        #expect(r.proxy.answers.value.map(\.served) == [1])
        #expect(r.proxy.answers.value.first?.workerPid == 42)
    }

    @Test func resetPeerResetsTheClient() throws {
        let r = try exchange("reset")
        guard case .resetPeer(let n) = r.toxic else { Issue.record("\(r.toxic)"); return }
        #expect(r.reset)
        #expect(r.bytes <= n)
    }

    @Test func timeoutIsABlackhole() throws {
        let r = try exchange("timeout")
        guard case .timeout(let ms) = r.toxic else { Issue.record("\(r.toxic)"); return }
        #expect(r.bytes == 0)
        #expect(r.seconds >= Double(ms) / 1000 * 0.9)
        #expect(r.server.readsPerRequest.value.isEmpty)   // the request never reached the server
    }

    @Test func slicerFragmentsTheRequest() throws {
        // 1-2 byte slices at least 150 us apart: the 45-byte request takes
        // >= 3 ms, so even a server thread slow to run (a loaded machine:
        // 3 of 20 runs saw one read with any slicer) reads it in pieces.
        let r = try exchange("slicer") { if case .slicer(let b, let d) = $0 { b <= 2 && d >= 150 } else { false } }
        guard case .slicer(let size, _) = r.toxic else { Issue.record("\(r.toxic)"); return }
        #expect(r.bytes == Self.response.utf8.count)
        let reads = try #require(r.server.readsPerRequest.value.first)
        #expect(reads > 1, "request in \(reads) reads, slices of \(size)")
    }

    @Test func responseHeadsFoundAcrossSplitKeepAliveStream() {
        let two = Array((Self.response + Self.response.replacingOccurrences(of: "Served: 1", with: "Served: 2")).utf8)
        var heads = ResponseHeads()
        var found: [RawResponseHead] = []
        for chunk in stride(from: 0, to: two.count, by: 37).map({ two[$0..<min($0 + 37, two.count)] }) {
            found += heads.feed(chunk)
        }
        #expect(found.map(\.served) == [1, 2])
    }
}

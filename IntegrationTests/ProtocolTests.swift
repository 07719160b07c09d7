import Dispatch
import Foundation
import Harness
import Testing

extension Integration {
    /// HTTP/1.1 basics over a raw socket (no shared parser with the server).
    @Suite struct ProtocolTests {
        @Test func pipelinedRequestsAreAnsweredInOrder() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let c = try RawClient(port: d.port)
            // The slow one first: an out-of-order server would answer the others before it.
            try c.send("GET /__fault/sleep?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /__fault/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond"
                + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let responses = splitResponses(try c.readToClose())
            try #require(responses.count == 3, "got \(responses.count) responses: \(responses.map(\.head))")
            #expect(responses[0].body == "slept 100 ms\n")
            #expect(responses[1].body == "second")
            #expect(responses[2].body.hasPrefix("This child has served "))
            #expect(responses.allSatisfy { $0.status == 200 })
        }

        @Test func expectContinue() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let c = try RawClient(port: d.port, timeout: 1.5)
            try c.send("POST /__fault/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
            // RFC 9110 10.1.1: the 100 must come before the body is sent
            // (curl otherwise stalls 1 s waiting for it).
            let interim = try c.read { $0.contains("\r\n\r\n") }.text
            #expect(interim.hasPrefix("HTTP/1.1 100"), "no 100 Continue before the body: \(interim)")
            try c.send("hello")
            let rest = splitResponses(interim + (try c.readToClose()))
            #expect(rest.last?.status == 200 && rest.last?.body == "hello", "\(rest.map(\.head))")
        }

        @Test func garbageGets400AndClose() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let c = try RawClient(port: d.port)
            try c.send("THIS IS NOT HTTP\r\n\r\n")
            let r = try c.read { _ in false }
            #expect(r.closed, "connection left open after 400")
            #expect(splitResponses(r.text).first?.status == 400, "\(r.text)")
        }

        @Test func oneConnectionPerWorkerStillServesFourClients() throws {
            let d = try Daemon(["--worker-connections", "1"], workers: 1)
            defer { d.stop() }
            let clients = try (0..<4).map { _ in try RawClient(port: d.port, timeout: 10) }   // all connected at once
            let results = Locked<[Int: String]>([:])
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                let text = (try? clients[i].send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .flatMap { try? clients[i].readToClose() } ?? "error"
                results.withLock { $0[i] = text }
            }
            let all = results.withLock { $0 }
            let served = all.values.compactMap { text -> Int? in
                guard let r = splitResponses(text).first, r.status == 200 else { return nil }
                return Int(r.body.split(separator: " ")[4])
            }
            #expect(served.sorted() == [1, 2, 3, 4], "one worker should serve the 4 clients one at a time: \(all)")
        }
    }
}

import Glibc
import Harness
import Testing
@testable import Curl

@Suite struct CurlClientTests {
    @Test func resultFieldsAndKeepAliveReuse() throws {
        let server = try TestServer { _, i in .reply(workerResponse(served: i + 1, extra: "X-Multi: a\r\nX-Multi: b\r\n"), close: false) }
        defer { server.stop() }
        let client = CurlClient()
        let first = try client.perform(CurlRequest(url: server.url)).get()
        #expect(first.status == 200)
        #expect(first.bodyText == "hello")
        #expect(first.header("x-worker-pid") == "4242")
        #expect(first.header("CONTENT-TYPE") == "text/plain")
        #expect(first.headerValues("x-multi") == ["a", "b"])
        #expect(first.workerPid == 4242)
        #expect(first.workerServed == 1)
        #expect(first.workerSlot == 2)
        #expect(!first.connectionClose)
        #expect(first.newConnections == 1)
        #expect(!first.silentResend)
        #expect(first.totalTime >= first.firstByteTime && first.firstByteTime >= first.connectTime)
        let second = try client.perform(CurlRequest(url: server.url)).get()
        #expect(second.newConnections == 0)
        #expect(second.workerServed == 2)
        #expect(server.stats.connections == 1)
        let fresh = try client.perform(CurlRequest(url: server.url, freshConnection: true)).get()
        #expect(fresh.newConnections == 1)
        #expect(server.stats.connections == 2)
    }

    @Test func connectionCloseIsSeenAndNextRequestReconnects() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(extra: "Connection: close\r\n"), close: true) }
        defer { server.stop() }
        let client = CurlClient()
        let a = try client.perform(CurlRequest(url: server.url)).get()
        #expect(a.connectionClose)
        let b = try client.perform(CurlRequest(url: server.url)).get()
        #expect(b.newConnections == 1)
        #expect(server.stats.connections == 2)
    }

    @Test func refusedIsCode7() {
        let port = Ports.free()
        let r = curlGet("http://127.0.0.1:\(port)/")
        guard case .failure(let e) = r else { Issue.record("expected failure"); return }
        #expect(e.code == 7)
        #expect(e.kind == .refused)
        #expect(!e.message.isEmpty)
    }

    @Test func closeWithoutReplyIsGotNothing() throws {
        let server = try TestServer { _, _ in .closeSilently }
        defer { server.stop() }
        guard case .failure(let e) = curlGet(server.url) else { Issue.record("expected failure"); return }
        #expect(e.code == 52)
        #expect(e.kind == .gotNothing)
    }

    @Test func timeoutIsCode28() throws {
        let server = try TestServer { _, _ in .hang }
        defer { server.stop() }
        guard case .failure(let e) = curlGet(server.url, timeout: 0.3) else { Issue.record("expected failure"); return }
        #expect(e.kind == .timeout)
    }

    @Test func silentResendIsDetected() throws {
        // Connection 0: answers request 0 keep-alive, then drops request 1 without a byte.
        let server = try TestServer { c, i in c == 0 && i == 1 ? .closeSilently : .reply(workerResponse(served: i + 1), close: false) }
        defer { server.stop() }
        let client = CurlClient()
        let a = try client.perform(CurlRequest(url: server.url)).get()
        #expect(!a.silentResend)
        let b = try client.perform(CurlRequest(url: server.url)).get()
        #expect(b.status == 200)          // libcurl hid the failure...
        #expect(b.silentResend)           // ...but we saw it
        #expect(b.newConnections == 1)
        #expect(server.stats.requests == 3)
    }

    @Test func postBodyHeadAndCustomMethod() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let client = CurlClient()
        let post = try client.perform(CurlRequest(method: "POST", url: server.url + "echo", headers: ["X-Test: 1"],
                                                   body: Array("abc\0def".utf8))).get()
        #expect(post.status == 200)
        let raw = String(decoding: server.stats.rawRequests[0], as: UTF8.self)
        #expect(raw.hasPrefix("POST /echo HTTP/1.1\r\n"))
        #expect(raw.contains("Content-Length: 7\r\n"))
        #expect(raw.contains("X-Test: 1\r\n"))
        #expect(raw.hasSuffix("\r\n\r\nabc\0def"))
        let head = try client.perform(CurlRequest(method: "HEAD", url: server.url)).get()
        #expect(head.body.isEmpty)
        _ = client.perform(CurlRequest(method: "DELETE", url: server.url))
        #expect(String(decoding: server.stats.rawRequests[1], as: UTF8.self).hasPrefix("HEAD / HTTP/1.1\r\n"))
        #expect(String(decoding: server.stats.rawRequests[2], as: UTF8.self).hasPrefix("DELETE / HTTP/1.1\r\n"))
    }

    @Test func headerParsingHelpers() {
        let capture = ResponseCapture(keepHeaders: true, keepBody: false)
        for line in ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 503 Busy\r\n", "connection: keep-alive, Close\r\n",
                     "x-WORKER-pid:   17 \r\n", "X-Worker-Served: 12x\r\n", "\r\n"] {
            Array(line.utf8).withUnsafeBytes { capture.headerLine($0) }
        }
        #expect(capture.status == 503)
        #expect(capture.connectionClose)
        #expect(capture.workerPid == 17)
        #expect(capture.workerServed == nil)   // not a number
        #expect(capture.headers.count == 3)
    }

    @Test func versionIsReported() {
        #expect(curlVersion.first?.isNumber == true)
    }
}

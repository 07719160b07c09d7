import Testing

@testable import HTTP1

@Suite struct PipeliningTests {
    @Test(arguments: Delivery.allCases)
    func threeRequestsInOneFeedComeOutInOrder(_ delivery: Delivery) {
        let raw = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        let r = run(raw, delivery)
        #expect(r.error == nil)
        #expect(r.requests.map(\.path) == ["/1", "/2", "/3"])
        #expect(r.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["", "abc", "de"])
        #expect(r.parser.phase == .idle)
    }

    @Test func nextReturnsOneRequestPerCallAndKeepsTheRest() throws {
        var p = RequestParser()
        p.feed(Array("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HT".utf8))
        #expect(try p.next()?.path == "/1")
        #expect(p.phase == .head)
        #expect(try p.next()?.path == "/2")
        #expect(try p.next() == nil)
        #expect(p.bufferedByteCount == 9)
        p.feed(Array("TP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(try p.next()?.path == "/3")
        #expect(p.bufferedByteCount == 0)
    }
}

@Suite struct LimitTests {
    /// "GET /aaa... HTTP/1.1" with a request line of exactly `length` bytes.
    func requestLine(length: Int) -> String {
        "GET /" + String(repeating: "a", count: length - 14) + " HTTP/1.1"
    }

    @Test(arguments: Delivery.allCases)
    func requestLineBoundary(_ delivery: Delivery) {
        check(run(requestLine(length: 8192) + "\r\nHost: a\r\n\r\n", delivery), .request(Want(path: "/" + String(repeating: "a", count: 8178))), "8192")
        check(run(requestLine(length: 8193) + "\r\nHost: a\r\n\r\n", delivery), .error(414), "8193")
    }

    @Test func requestLineTooLongIsDetectedBeforeItsCRLF() {
        check(run(String(repeating: "A", count: 8193), .whole), .error(414), "no CRLF yet")
        check(run(String(repeating: "A", count: 8192), .whole), .needMore, "at the limit")
    }

    /// A head whose field lines sum to exactly `bytes` (each line counted with its CRLF).
    func head(fieldBytes bytes: Int) -> String {
        let host = "Host: a\r\n"  // 9 bytes
        let filler = "X: " + String(repeating: "v", count: bytes - host.utf8.count - 5) + "\r\n"
        return "GET / HTTP/1.1\r\n" + host + filler + "\r\n"
    }

    @Test(arguments: Delivery.allCases)
    func headerBytesBoundary(_ delivery: Delivery) {
        check(run(head(fieldBytes: 16384), delivery), .ok(), "16384")
        check(run(head(fieldBytes: 16385), delivery), .error(431), "16385")
    }

    @Test func headerBytesTooLargeIsDetectedBeforeTheLineEnds() {
        let raw = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 16384)
        check(run(raw, .whole), .error(431), "no CRLF yet")
    }

    func head(fieldCount n: Int) -> String {
        "GET / HTTP/1.1\r\nHost: a\r\n" + (1..<n).map { "X-\($0): v\r\n" }.joined() + "\r\n"
    }

    @Test(arguments: Delivery.allCases)
    func headerCountBoundary(_ delivery: Delivery) {
        check(run(head(fieldCount: 100), delivery), .ok(), "100 fields")
        check(run(head(fieldCount: 101), delivery), .error(431), "101 fields")
    }

    @Test func the101stFieldIsRefusedAtItsFirstByte() {
        // ("\r\n" is one Character, so drop the final CRLF as one.)
        let raw = String(head(fieldCount: 100).dropLast()) + "X"
        check(run(raw, .whole), .error(431), "first byte of field 101")
    }

    @Test(arguments: Delivery.allCases)
    func contentLengthBoundary(_ delivery: Delivery) {
        let limits = ParserLimits(maxBody: 10)
        let ok = run("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", delivery, limits: limits)
        check(ok, .ok("POST", "/", body: "0123456789"), "10")
        // 413 comes from the head alone: no body byte was sent.
        check(run("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", delivery, limits: limits), .error(413), "11")
    }

    @Test(arguments: Delivery.allCases)
    func chunkedBodyBoundary(_ delivery: Delivery) {
        let limits = ParserLimits(maxBody: 10)
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        check(run(head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", delivery, limits: limits), .ok("POST", "/", body: "0123456789"), "10")
        // Refused at the size line of the chunk that would cross the limit, before its data.
        check(run(head + "5\r\n01234\r\n6\r\n", delivery, limits: limits), .error(413), "11")
    }

    @Test func trailersCountTowardHeaderBytes() {
        let limits = ParserLimits(maxHeaderBytes: 40)
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"  // fields: 9 + 28 = 37
        check(run(head + "0\r\n\r\n", .whole, limits: limits), .ok("POST", "/"), "no trailer")
        check(run(head + "0\r\nX:\r\n\r\n", .whole, limits: limits), .error(431), "trailer crosses")
    }

    @Test func chunkLineLimit() {
        let limits = ParserLimits(maxChunkLine: 8)
        let head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        check(run(head + "1;a=1234\r\nx\r\n0\r\n\r\n", .whole, limits: limits), .ok("POST", "/", body: "x"), "8")
        check(run(head + "1;a=12345", .whole, limits: limits), .error(400), "9, before CRLF")
    }
}

@Suite struct ChunkedTests {
    @Test(arguments: Delivery.allCases)
    func extensionsAndTrailersDecode(_ delivery: Delivery) throws {
        let raw = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n"
            + "5;q=\"a;b\\\"c\"\r\npedia\r\n"
            + "E\r\n in\r\n\r\nchunks.\r\n"
            + "0;last\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n"
        let r = run(raw, delivery)
        let q = try #require(r.requests.first)
        #expect(r.error == nil && r.requests.count == 1)
        #expect(String(decoding: q.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
        #expect(Array(q.trailers.map(\.name)) == ["Expires", "X-Checksum"])
        #expect(q.trailers["x-checksum"] == "abc")
        #expect(q.headers["Transfer-Encoding"] == "chunked")
    }
}

@Suite struct ExpectContinueTests {
    let head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"

    @Test func flagRisesAfterHeadAndClearsOnAcknowledge() throws {
        var p = RequestParser()
        p.feed(Array(head.utf8))
        #expect(try p.next() == nil)
        #expect(p.expectsContinue)
        #expect(p.phase == .body)
        p.acknowledgeContinue()
        #expect(!p.expectsContinue)
        p.feed(Array("abc".utf8))
        #expect(try p.next()?.body == Array("abc".utf8))
        #expect(!p.expectsContinue)
    }

    @Test func flagClearsWhenBodyArrivesWithoutAcknowledge() throws {
        var p = RequestParser()
        p.feed(Array(head.utf8))
        _ = try p.next()
        #expect(p.expectsContinue)
        p.feed(Array("abc".utf8))
        #expect(try p.next() != nil)
        #expect(!p.expectsContinue)
    }

    @Test(arguments: [
        ("body already sent", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", false),
        ("no body", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", false),
        ("zero length", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n", false),
        ("http/1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", false),
        ("other expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n", false),
        ("chunked", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", true),
        ("length pending", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", true),
    ])
    func whenTheFlagRises(_ name: String, _ raw: String, _ expected: Bool) throws {
        var p = RequestParser()
        p.feed(Array(raw.utf8))
        _ = try p.next()
        #expect(p.expectsContinue == expected, "\(name)")
    }

    @Test func tooLargeBodyIsRefusedNotContinued() {
        var p = RequestParser(limits: ParserLimits(maxBody: 2))
        p.feed(Array(head.utf8))
        #expect(throws: HTTPError.contentTooLarge) { try p.next() }
        #expect(!p.expectsContinue)
    }
}

@Suite struct KeepAliveTests {
    @Test(arguments: [
        ("1.1", "", true),
        ("1.1", "Connection: close\r\n", false),
        ("1.1", "Connection: Close\r\n", false),
        ("1.1", "Connection: keep-alive\r\n", true),
        ("1.1", "Connection: upgrade, close\r\n", false),
        ("1.1", "Connection: upgrade\r\nConnection: close\r\n", false),
        ("1.1", "Connection: closed\r\n", true),
        ("1.0", "", false),
        ("1.0", "Connection: keep-alive\r\n", true),
        ("1.0", "Connection: KEEP-ALIVE\r\n", true),
        ("1.0", "Connection: foo,keep-alive\r\n", true),
        ("1.0", "Connection: keep-alive, close\r\n", false),
        ("1.0", "Connection: close\r\n", false),
    ])
    func matrix(_ version: String, _ fields: String, _ keepAlive: Bool) throws {
        let r = run("GET / HTTP/\(version)\r\nHost: a\r\n\(fields)\r\n", .whole)
        #expect(r.requests.first?.keepAlive == keepAlive, "HTTP/\(version) \(fields)")
    }
}

@Suite struct PhaseAndPoisonTests {
    @Test func phasesFollowTheRequest() throws {
        var p = RequestParser()
        #expect(p.phase == .idle)
        p.feed(Array("P".utf8))
        #expect(try p.next() == nil)
        #expect(p.phase == .head)
        p.feed(Array("OST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nx".utf8))
        #expect(try p.next() == nil)
        #expect(p.phase == .body)
        p.feed(Array("y".utf8))
        #expect(try p.next() != nil)
        #expect(p.phase == .idle)
    }

    @Test func errorPoisonsTheParser() {
        var p = RequestParser()
        p.feed(Array("GET / HTTP/1.1\nHost: a\r\n\r\n".utf8))
        #expect(throws: HTTPError.badRequest("bare LF")) { try p.next() }
        p.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        #expect(throws: HTTPError.badRequest("bare LF")) { try p.next() }
    }

    @Test func rawBufferFeedWorks() throws {
        var p = RequestParser()
        let bytes = Array("GET /raw HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        bytes.withUnsafeBytes { p.feed($0) }
        #expect(try p.next()?.path == "/raw")
    }

    @Test func manyKeepAliveRequestsDoNotGrowTheBuffer() throws {
        var p = RequestParser()
        let one = Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n".utf8) + [UInt8](repeating: 65, count: 1000)
        for _ in 0..<200 {
            // Feed a request and a half so that consumed bytes sit before unconsumed ones.
            p.feed(one[..<600])
            #expect(try p.next() == nil)
            p.feed(one[600...])
            #expect(try p.next()?.body.count == 1000)
        }
        #expect(p.buffer.capacity < 64 * 1024)
    }

    @Test func errorStatusesAndDescriptions() {
        #expect(HTTPError.badRequest("x").status == 400)
        #expect(HTTPError.uriTooLong.status == 414)
        #expect(HTTPError.contentTooLarge.status == 413)
        #expect(HTTPError.headerFieldsTooLarge.status == 431)
        #expect(HTTPError.notImplemented("x").status == 501)
        #expect(HTTPError.versionNotSupported.status == 505)
        #expect(HTTPError.uriTooLong.description == "414 URI Too Long")
    }
}

@Suite struct HeadersTests {
    @Test func orderedCaseInsensitiveAccess() {
        var h: HTTPHeaders = ["Set-Cookie": "a=1", "Content-Type": "text/plain"]
        h.add("set-cookie", "b=2")
        #expect(h.count == 3)
        #expect(h["SET-COOKIE"] == "a=1")
        #expect(h.values("Set-Cookie") == ["a=1", "b=2"])
        #expect(h.contains("content-type"))
        #expect(!h.contains("Content-Length"))
        #expect(h["missing"] == nil)
        #expect(h.map(\.name) == ["Set-Cookie", "Content-Type", "set-cookie"])
        h.remove("set-cookie")
        #expect(h.map(\.name) == ["Content-Type"])
    }

    @Test func requestIsHead() {
        let r = Request(method: "HEAD", target: "/", path: "/", query: nil, version: .http1_1)
        #expect(r.isHead)
        #expect(HTTPVersion.http1_0.description == "HTTP/1.0")
    }
}

import Testing

@testable import HTTP1

@Suite struct SerializerTests {
    let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    func text(_ r: Response, _ v: HTTPVersion = .http1_1, keepAlive: Bool = true, headOnly: Bool = false) -> String {
        String(decoding: ResponseSerializer.serialize(r, version: v, keepAlive: keepAlive, headOnly: headOnly, date: date), as: UTF8.self)
    }

    @Test func plain200() {
        let r = Response(status: 200, headers: ["Content-Type": "text/plain"], body: Array("hi\n".utf8))
        #expect(text(r) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nhi\n")
    }

    @Test func headKeepsLengthDropsBody() {
        let r = Response(status: 200, headers: [("X-A", "1")], body: Array("hello".utf8))
        #expect(text(r, headOnly: true) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n")
    }

    @Test func noContentHasNoLengthAndNoBody() {
        let r = Response(status: 204, body: Array("ignored".utf8))
        #expect(text(r) == "HTTP/1.1 204 No Content\r\nDate: \(date)\r\n\r\n")
    }

    @Test func notModifiedKeepsHandlerLengthButNoBody() {
        let r = Response(status: 304, headers: ["ETag": "\"x\"", "Content-Length": "42"], body: Array("zz".utf8))
        #expect(text(r) == "HTTP/1.1 304 Not Modified\r\nDate: \(date)\r\nETag: \"x\"\r\nContent-Length: 42\r\n\r\n")
    }

    @Test func http10KeepAliveAndClose() {
        let r = Response(status: 200, body: Array("a".utf8))
        #expect(text(r, .http1_0, keepAlive: true) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\na")
        #expect(text(r, .http1_0, keepAlive: false) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 1\r\nConnection: close\r\n\r\na")
        #expect(text(r, .http1_1, keepAlive: false) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 1\r\nConnection: close\r\n\r\na")
    }

    @Test func errorResponse() {
        let r = Response.error(.badRequest("bare LF"))
        #expect(text(r, keepAlive: false) == "HTTP/1.1 400 Bad Request\r\nDate: \(date)\r\nContent-Length: 16\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n400 Bad Request\n")
        #expect(String(decoding: Response.error(.headerFieldsTooLarge).body, as: UTF8.self) == "431 Request Header Fields Too Large\n")
    }

    @Test func ownedFieldsAreDroppedAndValuesCannotSplitTheResponse() {
        let r = Response(status: 200, headers: [
            ("Content-Length", "99"), ("Connection", "keep-alive"), ("Date", "x"), ("Transfer-Encoding", "chunked"),
            ("Bad Name", "v"), ("X-Evil", "a\r\nSet-Cookie: s=1"),
        ], body: [])
        #expect(text(r) == "HTTP/1.1 200 OK\r\nDate: \(date)\r\nContent-Length: 0\r\nX-Evil: a  Set-Cookie: s=1\r\n\r\n")
    }

    @Test func unknownAndInvalidStatus() {
        #expect(text(Response(status: 599)).hasPrefix("HTTP/1.1 599 \r\n"))
        #expect(text(Response(status: 42)).hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        #expect(text(Response(status: 100)) == "HTTP/1.1 100 Continue\r\nDate: \(date)\r\n\r\n")
    }

    @Test func appendReusesABuffer() {
        var out = Array("prefix".utf8)
        ResponseSerializer.append(Response(status: 404), version: .http1_1, keepAlive: true, headOnly: false, date: date, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefixHTTP/1.1 404 Not Found\r\nDate: \(date)\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: [(200, "OK"), (404, "Not Found"), (413, "Content Too Large"), (414, "URI Too Long"),
                      (431, "Request Header Fields Too Large"), (501, "Not Implemented"), (505, "HTTP Version Not Supported"), (799, "")])
    func reasonPhrases(_ status: Int, _ phrase: String) {
        #expect(ReasonPhrase.of(status) == phrase)
    }
}

@Suite struct HTTPDateTests {
    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),  // RFC 9110's example
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),  // 2000 is a leap year (divisible by 400)
        (951_868_800, "Wed, 01 Mar 2000 00:00:00 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (1_735_689_599, "Tue, 31 Dec 2024 23:59:59 GMT"),
        (4_107_456_000, "Sun, 28 Feb 2100 00:00:00 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),  // 2100 is not a leap year
        (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func knownValues(_ epoch: Int, _ expected: String) {
        #expect(HTTPDate.imfFixdate(epochSeconds: epoch) == expected)
    }

    @Test func everyDayOfFourHundredYearsRoundTrips() {
        // civil(fromDays:) must be a bijection onto consecutive calendar days.
        var (y, m, d) = HTTPDate.civil(fromDays: -1)
        let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for day in 0..<146_097 {
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
            let last = m == 2 && leap ? 29 : monthDays[m - 1]
            let expected = d < last ? (y, m, d + 1) : (m == 12 ? (y + 1, 1, 1) : (y, m + 1, 1))
            let got = HTTPDate.civil(fromDays: day)
            guard got == expected else {
                Issue.record("day \(day): \(got) != \(expected)")
                return
            }
            (y, m, d) = got
        }
    }
}

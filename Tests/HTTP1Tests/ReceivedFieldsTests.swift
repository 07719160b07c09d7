import Testing

@testable import HTTP1

/// Header fields of parsed requests are kept as received bytes (ReceivedFields)
/// and become Strings when read: these pin that the lazy form reads exactly
/// like the String form, survives the parser dropping its bytes, and keeps
/// value semantics.
@Suite struct ReceivedFieldsTests {
    static let head = "GET / HTTP/1.1\r\nHost: a\r\nX-Dup: 1\r\nuser-agent:  ua/1 \r\nX-DUP: 2\r\n\r\n"
    static let expected: HTTPHeaders = HTTPHeaders([("Host", "a"), ("X-Dup", "1"), ("user-agent", "ua/1"), ("X-DUP", "2")])

    private func parse(_ chunks: [String]) throws -> [Request] {
        var p = RequestParser()
        var out: [Request] = []
        for chunk in chunks {
            p.feed(Array(chunk.utf8))
            while let r = try p.next() { out.append(r) }
        }
        return out
    }

    @Test func lazyFieldsReadLikeStrings() throws {
        let r = try #require(try parse([Self.head]).first)
        guard case .received = r.headers.storage else {
            Issue.record("a whole head should keep its fields as received bytes")
            return
        }
        #expect(r.headers == Self.expected)
        #expect(r.headers.count == 4 && !r.headers.isEmpty)
        #expect(r.headers["USER-AGENT"] == "ua/1" && r.headers["host"] == "a" && r.headers["nope"] == nil)
        #expect(r.headers.values("x-dup") == ["1", "2"])
        #expect(r.headers.contains("X-dup") && !r.headers.contains("X-Du"))
        #expect(r.headers.map(\.name) == ["Host", "X-Dup", "user-agent", "X-DUP"])
        #expect(r.trailers.isEmpty)
    }

    /// A head split so that the parser drops consumed bytes between reads:
    /// the fields parsed before the split must come out intact and in order.
    @Test func fieldsSurviveCompactionBetweenReads() throws {
        let cuts = ["GET / HTTP/1.1\r\nHost: a\r\nX-Dup: 1\r\n", "user-agent:  ua/1 \r\n", "X-DUP: 2\r\n\r\n"]
        let r = try #require(try parse(cuts).first)
        #expect(r.headers == Self.expected)
        #expect(r.headers.values("x-dup") == ["1", "2"])
        // Byte by byte: every line boundary compacts.
        let bytes = Self.head.map { String($0) }
        #expect(try parse(bytes).first?.headers == Self.expected)
    }

    @Test func trailersSurviveCompaction() throws {
        let chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT-One: 1\r\n"
        let r = try #require(try parse([chunked, "T-Two: 2\r\n\r\n"]).first)
        #expect(r.trailers == HTTPHeaders([("T-One", "1"), ("T-Two", "2")]))
        #expect(r.body == Array("abc".utf8))
    }

    /// A request kept while the parser goes on (it reuses its buffer) still
    /// reads its own fields.
    @Test func keptRequestOutlivesTheNextFeed() throws {
        var p = RequestParser()
        p.feed(Array(Self.head.utf8))
        let first = try #require(try p.next())
        p.feed(Array("GET /2 HTTP/1.1\r\nHost: bbbbbbbb\r\n\r\n".utf8))
        let second = try #require(try p.next())
        #expect(first.headers == Self.expected)
        #expect(second.headers == HTTPHeaders([("Host", "bbbbbbbb")]))
    }

    @Test func changesKeepValueSemantics() throws {
        let r = try #require(try parse([Self.head]).first)
        var copy = r.headers
        copy.add("New", "v")
        copy.remove("x-dup")
        #expect(copy == HTTPHeaders([("Host", "a"), ("user-agent", "ua/1"), ("New", "v")]))
        #expect(r.headers == Self.expected, "changing a copy changed the request")
    }

    /// Invalid UTF-8 in a value (obs-text) reads as U+FFFD, as before.
    @Test func obsTextIsRepaired() throws {
        var p = RequestParser()
        p.feed(Array("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0xFF] + Array("b\r\n\r\n".utf8))
        let r = try #require(try p.next())
        #expect(r.headers["x"] == "a\u{FFFD}b")
    }
}

/// RFC 9110 §10.1.1 and §15.2: Expect: 100-continue.
enum ExpectCases {
    /// HTTP/1.1 with Expect: the server answers 100 or a final status before the body is sent.
    static var continue11: ConformanceCase {
        Build.custom("9110-10.1.1-expect-100-continue", .persistence, "RFC 9110 §10.1.1", .must,
                     sends: "POST head with Expect: 100-continue, body only after an answer",
                     passes: "100 (then the final 2xx, echoed body) or an immediate final status, within 2 s") { c in
            let head = "POST \(c.echoPath) HTTP/1.1\r\nHost: \(c.authority)\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
            let sock = try RawSocket(host: c.host, port: c.port, timeout: c.options.caseTimeout)
            let start = Clock.now()
            sock.send(Array(head.utf8))
            var got: [UInt8] = []
            let deadline = start + 2
            while ResponseReader.findHeadEnd(got, from: 0) == nil {
                guard case .bytes(let b) = sock.read(until: deadline) else {
                    return .fail("no 100 Continue or final status within 2 s of the head (\(got.count) bytes)")
                }
                got += b
            }
            guard got.starts(with: Array("HTTP/1.1 100".utf8)) || got.starts(with: Array("HTTP/1.0 100".utf8)) else {
                // A final status before the body is allowed; it must still be one well-framed response.
                return Judges.single(.error.or(.success))(c.exchange.collect(sock, heads: [false], expected: 1,
                                                                           start: start, prefix: got))
            }
            sock.send(Array("hello".utf8))
            let o = c.exchange.collect(sock, heads: [false], expected: 1, start: start, prefix: got)
            return Judges.single(.success, check: c.hasEcho ? Judges.body("hello") : nil)(o)
        }
    }

    /// HTTP/1.0 with Expect: the expectation is ignored and no 1xx is sent.
    static var http10: ConformanceCase {
        Build.raw("9110-15.2-no-100-to-http10", .persistence, "RFC 9110 §10.1.1, §15.2", .must,
                  sends: "HTTP/1.0 POST with Expect: 100-continue and its body",
                  passes: "a final 2xx and no 1xx response (1.0 clients get none)",
                  valid: true,
                  request: { Build.post($0, headers: "Content-Length: 5\r\nExpect: 100-continue\r\n", body: "hello",
                                        version: "HTTP/1.0") },
                  judge: Judges.single(.success) { $0.interim.isEmpty ? nil : "sent \($0.interim) to a 1.0 client" })
    }
}

extension StatusRule {
    /// Either rule.
    func or(_ other: StatusRule) -> StatusRule {
        StatusRule(describe: "\(describe) or \(other.describe)") { self.accepts($0) || other.accepts($0) }
    }
}

/// RFC 9110 §15.4.5: a 304 has no content (only when the server sends validators).
enum NotModifiedCase {
    static func make() -> ConformanceCase {
        Build.custom("9110-15.4.5-304-no-body", .persistence, "RFC 9110 §15.4.5", .must,
                     sends: "GET for a validator, then a conditional GET with a pipelined GET",
                     passes: "304 without content, the pipelined GET answered right after") { c in
            let first = try c.exchange.run(Array(Build.get(c).utf8), heads: [false], expected: 1)
            guard let r = first.responses.first else { return .fail("plain GET: \(first.summary)") }
            let condition: String
            if let etag = r.header("etag") {
                condition = "If-None-Match: \(etag)\r\n"
            } else if let lm = r.header("last-modified") {
                condition = "If-Modified-Since: \(lm)\r\n"
            } else {
                return .skip("the server sends no ETag or Last-Modified, so no 304 can be asked for")
            }
            let o = try c.exchange.run(Array((Build.get(c, headers: condition) + Build.get(c)).utf8),
                                       heads: [false, false], expected: 2)
            if let s = o.responses.first?.status, s != 304 {
                return .skip("the server answered the conditional GET with \(s), not 304")
            }
            return Judges.all(2, .oneOf(304, 200)) { $0[0].status == 304 ? nil : "first was not 304" }(o)
        }
    }
}

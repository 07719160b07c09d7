/// RFC 9112 §9 and RFC 9110 §6.6, §9.3.2, §10.1.1, §15.4.5: connections, HEAD, Expect, Date.
enum PersistenceCases {
    static let ref9 = "RFC 9112 §9.3"

    static var all: [ConformanceCase] {
        [
            twoSequential,
            Build.raw("9112-9.6-connection-close", .persistence, "RFC 9112 §9.6", .must,
                      sends: "GET with Connection: close",
                      passes: "2xx, then the server closes",
                      valid: true,
                      request: { Build.get($0, headers: "Connection: close\r\n") },
                      judge: Judges.single(.success, .mustClose)),
            Build.raw("9112-9.6-connection-close-echoed", .persistence, "RFC 9112 §9.6", .should,
                      sends: "GET with Connection: close",
                      passes: "the response carries Connection: close",
                      request: { Build.get($0, headers: "Connection: close\r\n") },
                      judge: Judges.single(.success, .mustClose) { $0.connectionHas("close") ? nil : "no Connection: close" }),
            Build.raw("9112-9.3-http10-closes", .persistence, ref9, .must,
                      sends: "GET / HTTP/1.0 without keep-alive",
                      passes: "2xx, then the server closes",
                      valid: true,
                      request: { "GET \($0.path) HTTP/1.0\r\nHost: \($0.authority)\r\n\r\n" },
                      judge: Judges.single(.success, .mustClose)),
            Build.raw("9112-9.3-http10-keep-alive", .persistence, "RFC 9112 §9.3, App. C.2.2", .should,
                      sends: "GET / HTTP/1.0 with Connection: keep-alive",
                      passes: "2xx with Connection: keep-alive and Content-Length, connection stays open",
                      valid: true,
                      request: { "GET \($0.path) HTTP/1.0\r\nHost: \($0.authority)\r\nConnection: keep-alive\r\n\r\n" },
                      judge: Judges.single(.success, .persistent) {
                          $0.connectionHas("keep-alive") ? nil : "no Connection: keep-alive" }),
            Build.raw("9112-9.3.2-pipeline-three", .persistence, "RFC 9112 §9.3.2", .must,
                      sends: "three GETs in one write",
                      passes: "three 2xx responses, connection open",
                      valid: true,
                      heads: [false, false, false],
                      request: { Build.get($0) + Build.get($0) + Build.get($0) },
                      judge: Judges.all(3, .success, .mustStayOpen)),
            Build.raw("9112-9.3.2-pipeline-order", .persistence, "RFC 9112 §9.3.2", .must,
                      sends: "three echo POSTs (one, two, three) in one write",
                      passes: "responses in request order",
                      needsEcho: true,
                      valid: true,
                      heads: [false, false, false],
                      request: { c in ["one", "two", "three"].map {
                          Build.post(c, headers: "Content-Length: \($0.utf8.count)\r\n", body: $0) }.joined() },
                      judge: Judges.all(3) { rs in
                          let got = rs.map { String(decoding: $0.body, as: UTF8.self) }
                          return got == ["one", "two", "three"] ? nil : "bodies \(got)" }),
            Build.raw("9110-9.3.2-head-no-body", .persistence, "RFC 9110 §9.3.2", .must,
                      sends: "HEAD then GET pipelined",
                      passes: "2 responses; the HEAD one without content",
                      valid: true,
                      heads: [true, false],
                      request: { Build.get($0, method: "HEAD") + Build.get($0) },
                      judge: Judges.all(2)),
            Build.raw("9110-9.3.2-head-same-headers", .persistence, "RFC 9110 §9.3.2", .should,
                      sends: "HEAD then GET pipelined",
                      passes: "same Content-Type and Content-Length as the GET",
                      heads: [true, false],
                      request: { Build.get($0, method: "HEAD") + Build.get($0) },
                      judge: Judges.all(2) { rs in
                          for name in ["content-type", "content-length"] where rs[0].header(name) != rs[1].header(name) {
                              return "\(name): HEAD \(rs[0].header(name) ?? "-") vs GET \(rs[1].header(name) ?? "-")"
                          }
                          return nil
                      }),
            Build.raw("9110-6.6.1-date-present", .persistence, "RFC 9110 §6.6.1", .must,
                      sends: "GET",
                      passes: "the 2xx response has a Date field",
                      request: { Build.get($0) },
                      judge: Judges.single(.success) { $0.header("date") == nil ? "no Date" : nil }),
            Build.raw("9110-5.6.7-date-imf-fixdate", .persistence, "RFC 9110 §5.6.7", .must,
                      sends: "GET",
                      passes: "Date is an IMF-fixdate (Sun, 06 Nov 1994 08:49:37 GMT)",
                      request: { Build.get($0) },
                      judge: Judges.single(.success) { r in
                          guard let d = r.header("date") else { return "no Date" }
                          return IMFFixdate.isValid(d) ? nil : "Date \"\(d)\" is not IMF-fixdate" }),
            Build.raw("9112-6.3-response-delimited", .persistence, "RFC 9112 §6.3", .should,
                      sends: "GET on a keep-alive connection",
                      passes: "the response is Content-Length or chunked framed",
                      request: { Build.get($0) },
                      judge: Judges.single(.success) { $0.framing == .closeDelimited ? "close-delimited body" : nil }),
            ExpectCases.continue11, ExpectCases.http10, NotModifiedCase.make(),
        ]
    }

    /// Two requests one after the other on one connection.
    static var twoSequential: ConformanceCase {
        Build.custom("9112-9.3-two-sequential", .persistence, ref9, .should,
                     sends: "GET, wait for the response, GET again on the same connection",
                     passes: "two 2xx responses, connection stays open") { c in
            let sock = try RawSocket(host: c.host, port: c.port, timeout: c.options.caseTimeout)
            let start = Clock.now()
            sock.send(Array(Build.get(c).utf8))
            let first = c.exchange.collect(sock, heads: [false], expected: 1, start: start)
            if case .fail(let why) = Judges.single(.success, .persistent)(first) { return .fail("first: \(why)") }
            sock.send(Array(Build.get(c).utf8))
            let second = c.exchange.collect(sock, heads: [false], expected: 1, start: Clock.now())
            if case .fail(let why) = Judges.single(.success, .persistent)(second) { return .fail("second: \(why)") }
            return .pass
        }
    }
}

/// IMF-fixdate syntax check (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
enum IMFFixdate {
    static func isValid(_ s: String) -> Bool {
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let p = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard p.count == 6, p[0].count == 4, p[0].hasSuffix(","), days.contains(String(p[0].prefix(3))),
              p[1].count == 2, Int(p[1]) != nil, months.contains(p[2]), p[3].count == 4, Int(p[3]) != nil,
              p[5] == "GMT" else { return false }
        let t = p[4].split(separator: ":", omittingEmptySubsequences: false)
        return p[4].count == 8 && t.count == 3 && t.allSatisfy { $0.count == 2 && Int($0) != nil }
    }
}

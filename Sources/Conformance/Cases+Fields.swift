/// RFC 9112 §2.2, §5 and RFC 9110 §5: header field syntax and limits.
enum FieldCases {
    static func req(_ c: CaseContext, _ fields: String) -> String {
        "GET \(c.path) HTTP/1.1\r\nHost: \(c.authority)\r\n\(fields)\r\n"
    }

    static var all: [ConformanceCase] {
        [
            Build.raw("9112-5.1-space-before-colon", .fields, "RFC 9112 §5.1", .must,
                      sends: "X-A : b",
                      passes: "400, then close",
                      smuggle: true,
                      request: { req($0, "X-A : b\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9112-5.2-obs-fold-handled", .fields, "RFC 9112 §5.2", .must,
                      sends: "X-A: b\\r\\n c (obs-fold)",
                      passes: "400 then close, or folded to SP and served (2 responses)",
                      smuggle: true,
                      request: { req($0, "X-A: b\r\n c\r\n") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9112-5.2-obs-fold-rejected", .fields, "RFC 9112 §5.2", .should,
                      sends: "X-A: b\\r\\n c (obs-fold)",
                      passes: "400, then close (strict policy; folding is allowed)",
                      smuggle: true,
                      request: { req($0, "X-A: b\r\n c\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9112-2.2-whitespace-before-first-field", .fields, "RFC 9112 §2.2", .must,
                      sends: "request line then \" Host: ...\" (leading SP)",
                      passes: "400 then close (the line is invalid or ignored, so Host is missing)",
                      smuggle: true,
                      request: { "GET \($0.path) HTTP/1.1\r\n Host: \($0.authority)\r\n\r\n" },
                      judge: Judges.refuse()),
            Build.raw("9110-5.1-bad-name-char", .fields, "RFC 9110 §5.1", .should,
                      sends: "X(A): b",
                      passes: "400, then close",
                      smuggle: true,
                      request: { req($0, "X(A): b\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9110-5.1-empty-name", .fields, "RFC 9110 §5.1", .should,
                      sends: ": b",
                      passes: "400, then close",
                      smuggle: true,
                      request: { req($0, ": b\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9112-5-no-colon", .fields, "RFC 9112 §2.2, §5", .should,
                      sends: "a field line without colon",
                      passes: "400, then close (invalid grammar: SHOULD 400 and close)",
                      smuggle: true,
                      request: { req($0, "NoColonHere\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9110-5.5-nul-in-value", .fields, "RFC 9110 §5.5", .must,
                      sends: "X-A: b<NUL>c",
                      passes: "400 then close, or NUL replaced by SP and served (2 responses)",
                      smuggle: true,
                      request: { req($0, "X-A: b\u{0}c\r\n") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9110-5.5-nul-in-value-rejected", .fields, "RFC 9110 §5.5", .should,
                      sends: "X-A: b<NUL>c",
                      passes: "400, then close (strict policy)",
                      smuggle: true,
                      request: { req($0, "X-A: b\u{0}c\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9112-2.2-bare-cr-in-value", .fields, "RFC 9112 §2.2", .must,
                      sends: "X-A: b<CR>c",
                      passes: "400 then close, or CR replaced by SP and served (2 responses)",
                      smuggle: true,
                      request: { req($0, "X-A: b\rc\r\n") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9112-2.2-bare-cr-header-smuggle", .fields, "RFC 9112 §2.2", .must,
                      sends: "X-A: b<CR>Content-Length: 30 (a bare CR must not end a line)",
                      passes: "400 then close, or served as one field with 2 responses",
                      smuggle: true,
                      request: { req($0, "X-A: b\rContent-Length: 30\r\n") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9112-2.2-bare-lf-field", .fields, "RFC 9112 §2.2", .should,
                      sends: "a field line ended by bare LF",
                      passes: "400, then close (strict policy; LF is allowed)",
                      smuggle: true,
                      request: { req($0, "X-A: b\nX-B: c\r\n") },
                      judge: Judges.refuse()),
            Build.raw("9112-2.2-bare-lf-consistent", .fields, "RFC 9112 §2.2", .must,
                      sends: "field lines ended by bare LF",
                      passes: "400 then close, or LF read as line end (2 responses)",
                      smuggle: true,
                      request: { req($0, "X-A: b\nX-B: c\r\n") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9112-2.2-bare-lf-request", .fields, "RFC 9112 §2.2", .should,
                      sends: "a whole request with bare LF line ends",
                      passes: "400, then close (strict policy)",
                      request: { "GET \($0.path) HTTP/1.1\nHost: \($0.authority)\n\n" },
                      judge: Judges.refuse()),
            largeHeader, manyFields,
            Build.raw("9110-5.3-repeated-field", .fields, "RFC 9110 §5.3", .must,
                      sends: "Accept twice (a list field may repeat)",
                      passes: "2xx",
                      valid: true,
                      request: { req($0, "Accept: text/plain\r\nAccept: */*\r\n") },
                      judge: Judges.single(.success)),
            Build.raw("9110-5.5-ows-around-value", .fields, "RFC 9110 §5.5", .must,
                      sends: "Host:<TAB>value<SP><TAB>",
                      passes: "2xx (OWS around values is stripped)",
                      valid: true,
                      request: { "GET \($0.path) HTTP/1.1\r\nHost:\t\($0.authority) \t\r\n\r\n" },
                      judge: Judges.single(.success)),
        ]
    }

    /// 431 (or 400) for a 20 KiB field, and the server still serves the next connection.
    static var largeHeader: ConformanceCase {
        Build.custom("6585-5-header-too-large", .fields, "RFC 6585 §5, RFC 9112 §2.3", .should,
                     sends: "one 20 KiB field, then a GET on a new connection",
                     passes: "431, then close; the next connection gets 2xx") { c in
            let o = try c.exchange.run(Array(req(c, "X-Big: \(String(repeating: "b", count: 20480))\r\n").utf8),
                                       heads: [false], expected: 1)
            return then(Judges.single(.oneOf(431), .mustClose, silentClose: false)(o), nextServed: c)
        }
    }

    /// 431 for 200 fields, and the server still serves the next connection.
    static var manyFields: ConformanceCase {
        Build.custom("6585-5-too-many-fields", .fields, "RFC 6585 §5", .should,
                     sends: "200 small fields, then a GET on a new connection",
                     passes: "431, then close; the next connection gets 2xx") { c in
            let fields = (0..<200).map { "X-F\($0): v\r\n" }.joined()
            let o = try c.exchange.run(Array(req(c, fields).utf8), heads: [false], expected: 1)
            return then(Judges.single(.oneOf(431), .mustClose)(o), nextServed: c)
        }
    }

    /// Keeps the first failure; otherwise checks a fresh GET still gets 2xx.
    static func then(_ v: Verdict, nextServed c: CaseContext) -> Verdict {
        guard v == .pass else { return v }
        do {
            let o = try c.exchange.run(Array(Build.get(c).utf8), heads: [false], expected: 1)
            if case .fail(let why) = Judges.single(.success)(o) { return .fail("next request: \(why)") }
            return .pass
        } catch {
            return .fail("next request: \(error)")
        }
    }
}

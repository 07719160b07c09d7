/// RFC 9112 §6.1, §6.3 and §7: Transfer-Encoding and chunked framing.
enum TransferEncodingCases {
    static let ref7 = "RFC 9112 §7.1"
    static let ref61 = "RFC 9112 §6.1"

    /// POST with Transfer-Encoding `te` (plus extra header lines) and a raw body.
    static func te(_ te: String, _ body: String, extra: String = "", version: String = "HTTP/1.1")
        -> @Sendable (CaseContext) -> String {
        { Build.post($0, headers: "Transfer-Encoding: \(te)\r\n\(extra)", body: body, version: version) }
    }

    /// A valid chunked POST to the echo endpoint whose decoded body must be `expected`.
    static func good(_ id: String, _ ref: String, _ sends: String, _ request: @escaping @Sendable (CaseContext) -> String,
                     expected: String) -> ConformanceCase {
        Build.raw(id, .transferEncoding, ref, .must,
                  sends: sends,
                  passes: "200, body decoded to \"\(expected)\", stays open",
                  needsEcho: true,
                  valid: true,
                  request: request,
                  judge: Judges.single(.success, .mustStayOpen, check: Judges.body(expected)))
    }

    /// A framing error: one refusal, then close; the pipelined GET must not be answered.
    static func bad(_ id: String, _ ref: String, _ sends: String,
                    _ request: @escaping @Sendable (CaseContext) -> String, rule: StatusRule = .oneOf(400),
                    level: Level = .must) -> ConformanceCase {
        Build.raw(id, .transferEncoding, ref, level,
                  sends: sends,
                  passes: "\(rule.describe), then close",
                  smuggle: true,
                  request: request,
                  judge: Judges.refuse(rule))
    }

    /// `bad` at SHOULD level (the suite's strict policy or an RFC SHOULD).
    static func badShould(_ id: String, _ ref: String, _ sends: String,
                          _ request: @escaping @Sendable (CaseContext) -> String,
                          rule: StatusRule = .oneOf(400)) -> ConformanceCase {
        bad(id, ref, sends, request, rule: rule, level: .should)
    }

    /// Body that TE-framing ends after "0" and CL-framing reads whole: a smuggled GET hides inside.
    static let hidden = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: smuggled\r\n\r\n"

    static var all: [ConformanceCase] { valid + errors + obfuscations }

    static var valid: [ConformanceCase] {
        [
            good("9112-7.1-chunked-echo", ref7, "two chunks", te("chunked", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
                 expected: "hello world"),
            good("9112-7.1.1-chunk-extensions", "RFC 9112 §7.1.1", "chunk extensions ;a=b and ;c=\"q\"",
                 te("chunked", "5;a=b\r\nhello\r\n6;c=\"q\";d\r\n world\r\n0;e=f\r\n\r\n"), expected: "hello world"),
            good("9112-7.1-uppercase-hex", ref7, "chunk size A (uppercase hex)",
                 te("chunked", "A\r\n0123456789\r\n0\r\n\r\n"), expected: "0123456789"),
            good("9112-7-coding-case-insensitive", "RFC 9112 §7", "Transfer-Encoding: CHUNKED",
                 te("CHUNKED", "5\r\nhello\r\n0\r\n\r\n"), expected: "hello"),
            Build.raw("9112-7.1.2-trailers-not-framing", .transferEncoding, "RFC 9112 §7.1.2", .must,
                      sends: "chunked with trailer fields incl. Content-Length: 999, and a pipelined GET",
                      passes: "2 responses, first body \"hello\" (trailers never frame)",
                      needsEcho: true,
                      valid: true,
                      heads: [false, false],
                      request: { te("chunked", "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nContent-Length: 999\r\n\r\n")($0)
                          + Build.followUp($0) },
                      judge: Judges.refuseOrAccept(acceptedCount: 2, check: Judges.body("hello"))),
        ]
    }

    static var errors: [ConformanceCase] {
        [
            bad("9112-7.1-chunk-size-not-hex", ref7, "chunk size zz", te("chunked", "zz\r\nhello\r\n0\r\n\r\n")),
            bad("9112-7.1-chunk-size-overflow", ref7, "chunk size of 21 hex digits", te("chunked",
                "fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), rule: .oneOf(400, 413)),
            bad("9112-7.1-chunk-size-negative", ref7, "chunk size -5", te("chunked", "-5\r\nhello\r\n0\r\n\r\n")),
            bad("9112-7.1-chunk-size-0x", ref7, "chunk size 0x5", te("chunked", "0x5\r\nhello\r\n0\r\n\r\n")),
            bad("9112-7.1-chunk-data-too-long", ref7, "chunk size 5 with 7 data bytes",
                te("chunked", "5\r\nhelloXX\r\n0\r\n\r\n")),
            bad("9112-7.1-chunk-data-too-short", ref7, "chunk size 5 with 3 data bytes",
                te("chunked", "5\r\nhel\r\n0\r\n\r\n")),
            Build.raw("9112-7.1-missing-last-chunk", .transferEncoding, ref7, .must,
                      sends: "chunked body without the last chunk, then FIN",
                      passes: "no 2xx: 400 or close (an incomplete message is not processed)",
                      needsEcho: true,
                      shutdownWrite: true,
                      request: te("chunked", "5\r\nhello\r\n"),
                      judge: Judges.single(.error, .mustClose, silentClose: true)),
            Build.raw("9112-6.1-unknown-coding-refused", .transferEncoding, ref61, .must,
                      sends: "Transfer-Encoding: frob",
                      passes: "4xx/5xx, then close",
                      smuggle: true,
                      request: te("frob", "hello"),
                      judge: Judges.refuse(.error)),
            badShould("9112-6.1-unknown-coding-501", ref61, "Transfer-Encoding: frob", te("frob", "hello"),
                rule: .oneOf(501)),
            bad("9112-6.3-chunked-not-last", "RFC 9112 §6.3 (4)", "Transfer-Encoding: chunked, gzip",
                te("chunked, gzip", "5\r\nhello\r\n0\r\n\r\n"), rule: .oneOf(400, 501)),
            badShould("9112-7-chunked-twice", "RFC 9112 §7", "Transfer-Encoding: chunked, chunked",
                te("chunked, chunked", "5\r\nhello\r\n0\r\n\r\n"), rule: .oneOf(400, 501)),
            Build.raw("9112-6.1-te-and-cl", .transferEncoding, ref61, .must,
                      sends: "Transfer-Encoding: chunked with Content-Length: 4",
                      passes: "400 then close, or TE-framed with one response and then close",
                      smuggle: true,
                      request: te("chunked", "5\r\nhello\r\n0\r\n\r\n", extra: "Content-Length: 4\r\n"),
                      judge: Judges.refuseOrAccept(acceptedCount: 1, closeAfterAccept: true)),
            Build.raw("9112-6.1-te-and-cl-hidden-request", .transferEncoding, ref61, .must,
                      sends: "CL covering \"0 CRLF CRLF\" + a hidden GET, with TE: chunked",
                      passes: "400 then close, or one response then close (the hidden GET is never answered)",
                      smuggle: true,
                      request: te("chunked", hidden, extra: "Content-Length: \(hidden.utf8.count)\r\n"),
                      judge: Judges.refuseOrAccept(acceptedCount: 1, closeAfterAccept: true)),
            Build.raw("9112-6.1-te-http10-closes", .transferEncoding, ref61, .must,
                      sends: "HTTP/1.0 POST with Transfer-Encoding: chunked and Content-Length",
                      passes: "400 then close, or one response then close (framing treated as faulty)",
                      smuggle: true,
                      request: te("chunked", hidden, extra: "Content-Length: \(hidden.utf8.count)\r\n", version: "HTTP/1.0"),
                      judge: Judges.refuseOrAccept(.error, acceptedCount: 1, closeAfterAccept: true)),
            badShould("9112-6.1-te-http10-rejected", ref61, "HTTP/1.0 POST with Transfer-Encoding: chunked",
                te("chunked", "5\r\nhello\r\n0\r\n\r\n", version: "HTTP/1.0")),
        ]
    }

    /// Obfuscated Transfer-Encoding fields, each with a Content-Length that
    /// covers a hidden request: reading either framing must not answer it.
    static var obfuscations: [ConformanceCase] {
        let cl = "Content-Length: \(hidden.utf8.count)\r\n"
        func ob(_ id: String, _ field: String, _ what: String) -> ConformanceCase {
            Build.raw(id, .transferEncoding, ref61, .must,
                      sends: what + " with Content-Length",
                      passes: "4xx/5xx, then close (never answer the hidden GET)",
                      smuggle: true,
                      request: { Build.post($0, headers: field + cl, body: hidden) },
                      judge: Judges.refuse(.error))
        }
        return [
            ob("9112-6.1-te-space-before-colon", "Transfer-Encoding : chunked\r\n", "\"Transfer-Encoding : chunked\""),
            ob("9112-6.1-te-xchunked", "Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: xchunked"),
            ob("9112-6.1-te-chunked-identity", "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: chunked, identity"),
            ob("9112-6.1-te-quoted", "Transfer-Encoding: \"chunked\"\r\n", "Transfer-Encoding: \"chunked\""),
            ob("9112-6.1-te-vertical-tab", "Transfer-Encoding:\u{0B}chunked\r\n", "Transfer-Encoding:<VT>chunked"),
            ob("9112-6.1-te-two-fields", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
               "Transfer-Encoding twice (chunked, then identity)"),
            Build.raw("9112-6.1-te-leading-tab-fold", .transferEncoding, "RFC 9112 §5.2, §6.1", .must,
                      sends: "X-A: b then \"<TAB>Transfer-Encoding: chunked\" (obs-fold) with Content-Length",
                      passes: "400 then close, or folded into X-A and CL-framed (2 responses; the hidden GET never answered)",
                      smuggle: true,
                      request: { Build.post($0, headers: "X-A: b\r\n\tTransfer-Encoding: chunked\r\n" + cl, body: hidden) },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
        ]
    }
}

/// RFC 9112 §6.2–6.3 and RFC 9110 §8.6: Content-Length framing.
enum ContentLengthCases {
    static let ref = "RFC 9112 §6.3"

    /// A POST to the echo path (or the base path) with `cl` as Content-Length and `body`.
    static func withCL(_ cl: String, body: String = "hello") -> @Sendable (CaseContext) -> String {
        { Build.post($0, headers: "Content-Length: \(cl)\r\n", body: body) }
    }

    /// A bad Content-Length: one 400, then close; the pipelined GET must not be answered.
    static func bad(_ id: String, _ value: String, _ what: String, rule: StatusRule = .oneOf(400)) -> ConformanceCase {
        Build.raw(id, .contentLength, ref, .must,
                  sends: "POST with Content-Length: \(what)",
                  passes: "\(rule.describe), then close",
                  smuggle: true,
                  request: withCL(value),
                  judge: Judges.refuse(rule))
    }

    static var all: [ConformanceCase] {
        [
            Build.raw("9112-6.2-cl-echo", .contentLength, "RFC 9112 §6.2", .must,
                      sends: "POST echo, Content-Length: 11",
                      passes: "200, body echoed exactly, stays open",
                      needsEcho: true,
                      valid: true,
                      request: withCL("11", body: "hello world"),
                      judge: Judges.single(.success, .mustStayOpen, check: Judges.body("hello world"))),
            Build.raw("9112-6.3-cl-body-then-pipelined", .contentLength, ref, .must,
                      sends: "POST echo with 5-byte body and a GET in one write",
                      passes: "2 responses, first body \"hello\"",
                      needsEcho: true,
                      valid: true,
                      heads: [false, false],
                      request: { withCL("5")($0) + Build.followUp($0) },
                      judge: Judges.all(2) { Judges.body("hello")($0[0]) }),
            bad("9112-6.3-cl-not-a-number", "abc", "abc"),
            bad("9112-6.3-cl-negative", "-5", "-5"),
            bad("9112-6.3-cl-plus-sign", "+5", "+5"),
            bad("9112-6.3-cl-hex", "0x5", "0x5"),
            bad("9112-6.3-cl-inner-space", "1 1", "1 1"),
            bad("9112-6.3-cl-empty", "", "(empty)"),
            bad("9112-6.3-cl-overflow", "184467440737095516160", "2^64*10 (overflow)", rule: .oneOf(400, 413)),
            bad("9112-6.3-cl-list-different", "5, 6", "5, 6"),
            Build.raw("9112-6.3-conflicting-cl", .contentLength, ref, .must,
                      sends: "two Content-Length fields 5 and 6",
                      passes: "400, then close",
                      smuggle: true,
                      request: { Build.post($0, headers: "Content-Length: 5\r\nContent-Length: 6\r\n", body: "hello") },
                      judge: Judges.refuse()),
            Build.raw("9110-8.6-cl-list-same", .contentLength, "RFC 9110 §8.6", .must,
                      sends: "Content-Length: 5, 5",
                      passes: "400 then close, or read as 5 (2 responses)",
                      smuggle: true,
                      request: withCL("5, 5"),
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9110-8.6-cl-duplicate-same", .contentLength, "RFC 9110 §8.6", .must,
                      sends: "two Content-Length: 5 fields",
                      passes: "400 then close, or read as 5 (2 responses)",
                      smuggle: true,
                      request: { Build.post($0, headers: "Content-Length: 5\r\nContent-Length: 5\r\n", body: "hello") },
                      judge: Judges.refuseOrAccept(acceptedCount: 2)),
            Build.raw("9110-15.5.14-cl-over-limit-413", .contentLength, "RFC 9110 §15.5.14", .should,
                      sends: "POST with Content-Length: 10 GiB, no body",
                      passes: "413 before the body is read (closing after it is allowed, not required)",
                      request: withCL("10737418240", body: ""),
                      judge: Judges.single(.oneOf(413))),
            Build.raw("9112-8-cl-short-then-eof", .contentLength, "RFC 9112 §8", .must,
                      sends: "POST echo, Content-Length: 20, 5 bytes, then FIN",
                      passes: "no 2xx: 400/408 or close (an incomplete message is not processed)",
                      needsEcho: true,
                      shutdownWrite: true,
                      request: withCL("20"),
                      judge: Judges.single(.error, .mustClose, silentClose: true)),
            Build.raw("9112-6.3-get-cl-zero", .contentLength, ref, .must,
                      sends: "GET with Content-Length: 0",
                      passes: "2xx, stays open",
                      valid: true,
                      request: { Build.get($0, headers: "Content-Length: 0\r\n") },
                      judge: Judges.single(.success, .mustStayOpen)),
            Build.raw("9112-6.3-post-no-length", .contentLength, "RFC 9112 §6.3 (7)", .must,
                      sends: "POST without Content-Length or Transfer-Encoding",
                      passes: "body length 0: 2 responses (or 411, then close)",
                      valid: true,
                      smuggle: true,
                      request: { "POST \($0.echoPath) HTTP/1.1\r\nHost: \($0.authority)\r\n\r\n" },
                      judge: Judges.refuseOrAccept(.oneOf(411), acceptedCount: 2)),
        ]
    }
}

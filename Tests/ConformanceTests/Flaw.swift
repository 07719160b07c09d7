/// One deliberate defect of `MiniServer`. Each flaw names the cases that
/// must FAIL because of it (and PASS against the flawless MiniServer).
enum Flaw: String, CaseIterable, Sendable {
    /// Transfer-Encoding: chunked read as an empty body (chunks left as garbage).
    case ignoresChunked
    /// A Content-Length body cut short by EOF is still answered 200.
    case answersIncompleteBody
    /// Closes after every response without announcing Connection: close.
    case closesSilently
    /// Pipelined requests answered in reverse order (after 150 ms of quiet).
    case answersPipelineReversed
    /// Never sends 100 Continue; waits for the body.
    case neverContinues
    /// 304 carries Content-Length: 5 and a body.
    case bodyOn304
    /// HEAD responses carry the body.
    case bodyOnHead
    /// HEAD responses say Content-Length: 0 and another Content-Type.
    case headOtherHeaders
    /// No Date field.
    case noDate
    /// Date in the obsolete RFC 850 form.
    case rfc850Date
    /// No Content-Length: the body ends with the connection.
    case closeDelimited
    /// Connection: close and HTTP/1.0 without keep-alive are ignored (stays open, says nothing).
    case ignoresConnectionClose
    /// A connection reset by its client stops the whole server.
    case diesOnReset
    /// Serves one connection at a time (an idle one starves the rest).
    case serial

    /// The cases this flaw must make FAIL.
    var fails: [String] {
        switch self {
        case .ignoresChunked:
            return ["9112-7.1-chunked-echo", "9112-7.1.1-chunk-extensions", "9112-7.1-uppercase-hex",
                    "9112-7-coding-case-insensitive", "9112-7.1.2-trailers-not-framing", "9112-7.1-missing-last-chunk"]
                .flatMap { [$0] + ($0.hasSuffix("missing-last-chunk") ? [] : [$0 + "@bytewise"]) }
        case .answersIncompleteBody: return ["9112-8-cl-short-then-eof"]
        case .closesSilently:
            return ["9112-6.2-cl-echo", "9112-6.2-cl-echo@bytewise", "9112-6.3-cl-body-then-pipelined",
                    "9112-6.3-cl-body-then-pipelined@bytewise", "9112-3-valid-get", "9112-9.3.2-pipeline-three",
                    "9112-9.3.2-pipeline-three@bytewise", "9112-9.3-two-sequential"]
        case .answersPipelineReversed: return ["9112-9.3.2-pipeline-order", "9112-9.3.2-pipeline-order@bytewise"]
        case .neverContinues: return ["9110-10.1.1-expect-100-continue"]
        case .bodyOn304: return ["9110-15.4.5-304-no-body"]
        case .bodyOnHead: return ["9110-9.3.2-head-no-body", "9110-9.3.2-head-no-body@bytewise"]
        case .headOtherHeaders: return ["9110-9.3.2-head-same-headers"]
        case .noDate: return ["9110-6.6.1-date-present", "9110-5.6.7-date-imf-fixdate"]
        case .rfc850Date: return ["9110-5.6.7-date-imf-fixdate"]
        case .closeDelimited: return ["9112-6.3-response-delimited"]
        case .ignoresConnectionClose:
            return ["9112-9.6-connection-close", "9112-9.6-connection-close@bytewise", "9112-9.6-connection-close-echoed",
                    "9112-9.3-http10-closes", "9112-9.3-http10-closes@bytewise"]
        case .diesOnReset: return ["9112-9.6-reset-mid-request"]
        case .serial: return ["9112-9.5-idle-connections"]
        }
    }
}

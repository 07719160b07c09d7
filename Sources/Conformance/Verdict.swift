/// The outcome of one case.
public enum Verdict: Sendable, Equatable {
    case pass
    /// What was seen, for the FAIL line.
    case fail(String)
    /// Why the case could not be judged against this server.
    case skip(String)

    /// "PASS", "FAIL" or "SKIP".
    public var word: String {
        switch self {
        case .pass: "PASS"
        case .fail: "FAIL"
        case .skip: "SKIP"
        }
    }

    /// The FAIL evidence or SKIP reason, empty on PASS.
    public var detail: String {
        switch self {
        case .pass: ""
        case .fail(let s), .skip(let s): s
        }
    }
}

/// Requirement level of a case (RFC 2119 keyword of the rule it checks).
public enum Level: String, Sendable, Codable, CaseIterable {
    case must = "MUST"
    /// SHOULD, and also the suite's strict policy where the RFC allows leniency
    /// (bare LF, obs-fold): a lenient peer fails a SHOULD, never a MUST.
    case should = "SHOULD"
}

/// Groups of cases, printed in this order.
public enum Section: String, Sendable, Codable, CaseIterable {
    case requestLine = "request-line"
    case host
    case fields
    case contentLength = "content-length"
    case transferEncoding = "transfer-encoding"
    case persistence
    case robustness
}

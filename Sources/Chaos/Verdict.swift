/// PASS, FAIL or SKIP.
public enum VerdictStatus: String, Codable, Sendable {
    case pass = "PASS", fail = "FAIL", skip = "SKIP"
}

/// An invariant's judgement with the evidence behind it.
public struct Verdict: Codable, Sendable {
    public var id: String
    public var status: VerdictStatus
    /// One line: what was checked, or why it failed or was skipped.
    public var summary: String
    /// The first violations, each with a time (s since start) and pids.
    public var evidence: [String]
    /// Numbers worth reporting (latencies in seconds, counts).
    public var metrics: [String: Double]

    public init(id: String, status: VerdictStatus, summary: String, evidence: [String] = [],
                metrics: [String: Double] = [:]) {
        self.id = id
        self.status = status
        self.summary = summary
        self.evidence = evidence
        self.metrics = metrics
    }

    /// PASS when `violations` is empty, else FAIL with the first few as evidence.
    static func judge(_ id: String, violations: [String], pass: String, fail: String,
                      metrics: [String: Double] = [:]) -> Verdict {
        if violations.isEmpty { return Verdict(id: id, status: .pass, summary: pass, metrics: metrics) }
        return Verdict(id: id, status: .fail, summary: "\(violations.count) violation(s): \(fail)",
                       evidence: Array(violations.prefix(maxEvidence)), metrics: metrics)
    }

    static let maxEvidence = 5
}

/// Optional service-level thresholds for CI (`--max-lost-per-death`,
/// `--max-respawn-p99`, `--min-rps`, `--max-p99-ms`). Invariants say whether
/// the server is correct; these say whether it is good enough. Each one set
/// adds its own verdict row (`slo-...`), and a breach FAILs the run like a
/// broken invariant. Unset thresholds add nothing.
public struct SLOThresholds: Sendable, Equatable {
    /// Requests lost per worker death (availability's `lost_per_death`).
    public var maxLostPerDeath: Double?
    /// Respawn p99 in seconds (respawn's `p99_s`).
    public var maxRespawnP99: Double?
    /// Load requests per second over the supervised run.
    public var minRPS: Double?
    /// p99 latency in ms of the requests outside fault windows (steady state).
    public var maxP99ms: Double?

    public init(maxLostPerDeath: Double? = nil, maxRespawnP99: Double? = nil, minRPS: Double? = nil,
                maxP99ms: Double? = nil) {
        self.maxLostPerDeath = maxLostPerDeath
        self.maxRespawnP99 = maxRespawnP99
        self.minRPS = minRPS
        self.maxP99ms = maxP99ms
    }

    /// Whether any threshold is set.
    public var isEmpty: Bool { maxLostPerDeath == nil && maxRespawnP99 == nil && minRPS == nil && maxP99ms == nil }

    /// One verdict per threshold set, judged from the report's own figures.
    /// A figure the run could not measure (its invariant skipped) is a SKIP.
    public func judge(_ r: ChaosReport) -> [Verdict] {
        var out: [Verdict] = []
        if let limit = maxLostPerDeath {
            out.append(Self.row("slo-lost-per-death", value: r.verdict("availability")?.metrics["lost_per_death"],
                                limit: limit, atMost: true, unit: " requests lost per worker death", digits: 3))
        }
        if let limit = maxRespawnP99 {
            out.append(Self.row("slo-respawn-p99", value: r.verdict("respawn")?.metrics["p99_s"], limit: limit,
                                atMost: true, unit: " s respawn p99", digits: 4))
        }
        if let limit = minRPS {
            out.append(Self.row("slo-min-rps", value: r.outcomes.isEmpty ? nil : r.requestsPerSecond, limit: limit,
                                atMost: false, unit: " req/s", digits: 0))
        }
        if let limit = maxP99ms {
            out.append(Self.row("slo-p99-ms", value: r.steadyLatency.count > 0 ? r.steadyLatency.p99ms : nil,
                                limit: limit, atMost: true, unit: " ms p99 outside fault windows", digits: 2))
        }
        return out
    }

    private static func row(_ id: String, value: Double?, limit: Double, atMost: Bool, unit: String,
                            digits: Int) -> Verdict {
        let bound = (atMost ? "<= " : ">= ") + fmt(limit, digits)
        guard let v = value else {
            return Verdict(id: id, status: .skip, summary: "not measured in this run (threshold \(bound)\(unit))")
        }
        let ok = atMost ? v <= limit : v >= limit
        let text = fmt(v, digits) + unit + ", threshold " + bound
        return Verdict(id: id, status: ok ? .pass : .fail, summary: ok ? text : "breached: " + text,
                       evidence: ok ? [] : ["measured \(fmt(v, digits)), allowed \(bound)"],
                       metrics: ["value": v, "threshold": limit])
    }
}

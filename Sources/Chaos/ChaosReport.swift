import Histogram

/// The outcome of a run: verdicts plus the numbers a human reads. Codable:
/// this is the JSON report.
public struct ChaosReport: Codable, Sendable {
    public var seed: UInt64
    public var scenario: String?
    public var command: [String]
    public var shutdownSignal: String?
    public var duration: Double
    public var reproduce: String
    public var verdicts: [Verdict]
    /// Load requests by outcome (ok / failed / indeterminate).
    public var outcomes: [String: Int]
    /// Load requests by libcurl code (0 = a response arrived).
    public var curlCodes: [String: Int]
    public var silentResends: Int
    /// Load requests that ended after the shutdown signal (not counted above).
    public var afterShutdown: Int
    public var requestsPerSecond: Double
    /// Latency percentiles in ms, outside and inside fault windows.
    public var steadyLatency: LatencySummary
    public var faultLatency: LatencySummary
    /// Injected faults by kind (applied only).
    public var faultCounts: [String: Int]
    public var faultsInjected: Int
    public var faults: [FaultEvent]
    /// The seeded plan the faults came from (same seed, same plan).
    public var schedule: FaultSchedule?
    /// Observer stalls (s): gaps between the runner's own samples of at
    /// least `Limits.stallGap`; deadlines overlapping one were extended.
    public var stalls: [Double]?
    /// Worker count N the run expected (counted from /proc with `--workers auto`).
    public var workers: Int?
    /// The run in 100 ms buckets with its faults: what the HTML report draws.
    public var timeSeries: Timeline?
    /// Per planned-change type (upgrade, reload, scaling, bad upgrade,
    /// retirement, graceful stop): events, requests in window, lost, resent.
    public var plannedChanges: [PlannedChangeCount]?

    public var passed: Int { verdicts.filter { $0.status == .pass }.count }
    public var failed: Int { verdicts.filter { $0.status == .fail }.count }
    public var skipped: Int { verdicts.filter { $0.status == .skip }.count }
    /// Exit status: 0 iff nothing failed.
    public var exitCode: Int32 { failed == 0 ? 0 : 1 }

    /// The closing line: `N passed, N failed, N skipped`.
    public var closingLine: String { "\(passed) passed, \(failed) failed, \(skipped) skipped" }

    /// The verdict with `id`.
    public func verdict(_ id: String) -> Verdict? { verdicts.first { $0.id == id } }
}

/// Latency percentiles from an HdrHistogram (microsecond resolution).
public struct LatencySummary: Codable, Sendable {
    public var count: Int
    public var p50ms: Double
    public var p90ms: Double
    public var p99ms: Double
    public var p999ms: Double
    public var maxms: Double

    static func of(_ latenciesNs: [UInt64]) -> LatencySummary {
        var h = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        h.autoResize = true
        for l in latenciesNs { _ = h.record(max(1, l / 1000)) }
        func p(_ q: Double) -> Double { latenciesNs.isEmpty ? 0 : Double(h.valueAtPercentile(q)) / 1000 }
        return LatencySummary(count: latenciesNs.count, p50ms: p(50), p90ms: p(90), p99ms: p(99),
                              p999ms: p(99.9), maxms: latenciesNs.isEmpty ? 0 : Double(h.max) / 1000)
    }
}

extension ChaosReport {
    /// Builds the report from a judged history.
    public init(history h: History, verdicts: [Verdict], config: ChaosConfig, reproduce: String) {
        // Counted until the shutdown signal (or master-kill): afterwards refusals are expected.
        let cut = h.supervisionEnd
        let load = h.loadRequests.filter { $0.end < cut }
        afterShutdown = h.loadRequests.count - load.count
        seed = h.info.seed
        scenario = config.scenarioName
        command = h.info.command
        shutdownSignal = h.shutdown?.signal
        self.reproduce = reproduce
        self.verdicts = verdicts
        outcomes = Dictionary(grouping: load, by: { $0.outcome.rawValue }).mapValues(\.count)
        curlCodes = Dictionary(grouping: load, by: { String($0.curlCode) }).mapValues(\.count)
        silentResends = load.filter(\.silentResend).count
        let span = Double(Int64(bitPattern: (load.map(\.end).max() ?? 0) &- h.info.startTime)) / 1e9
        duration = span
        requestsPerSecond = span > 0 ? Double(load.count) / span : 0
        let windows = h.faults.filter(\.applied).map { f in
            f.time...(max(f.endedAt ?? f.time, f.time) + ns(h.info.limits.deathWindowAfter))
        }
        var steady: [UInt64] = [], inFault: [UInt64] = []
        for r in load where r.outcome == .ok {
            let lat = r.end &- r.intendedStart
            if windows.contains(where: { $0.contains(r.end) }) { inFault.append(lat) } else { steady.append(lat) }
        }
        steadyLatency = .of(steady)
        faultLatency = .of(inFault)
        let applied = h.faults.filter(\.applied)
        faultCounts = Dictionary(grouping: applied, by: { $0.kind.rawValue }).mapValues(\.count)
        faultsInjected = applied.count
        faults = h.faults
        stalls = h.stalls.map { Double($0.upperBound - $0.lowerBound) / 1e9 }
        plannedChanges = PlannedChangeCount.counts(from: verdicts.first { $0.id == "zero-loss-planned" })
    }
}

/// A run's history folded into fixed time buckets (100 ms by default), plus
/// its faults and planned events on the same clock: what the HTML report
/// draws. Pure and Codable (part of the JSON report), so a test can build a
/// history by hand and check every number. Times are seconds since the start.
public struct Timeline: Codable, Sendable, Equatable {
    /// Bucket width in seconds.
    public var bucketSeconds: Double
    /// Seconds from the start to the end of the run (the last bucket's end).
    public var span: Double
    public var buckets: [TimelineBucket]
    /// Every scheduled fault, applied or not.
    public var faults: [TimelineFault]
    /// Worker deaths no fault explains: retirements when a lifetime is set.
    public var planned: [TimelineEvent]
    /// When the shutdown signal (or the master-kill) ended supervision.
    public var supervisionEnd: Double?

    /// Folds `history` into buckets of `bucketSeconds`.
    public init(history h: History, bucketSeconds: Double = 0.1) {
        self.bucketSeconds = bucketSeconds
        let start = h.info.startTime
        func sec(_ t: UInt64) -> Double { Double(Int64(bitPattern: t &- start)) / 1e9 }
        let load = h.loadRequests
        let lastTime = max(load.map(\.end).max() ?? start, h.samples.last?.time ?? start, h.info.endTime)
        let count = max(1, Int((sec(lastTime) / bucketSeconds).rounded(.up)))
        span = Double(count) * bucketSeconds
        func index(_ t: UInt64) -> Int? {
            let s = sec(t)
            guard s >= 0 else { return nil }
            return min(count - 1, Int(s / bucketSeconds))
        }
        var ok = [Int](repeating: 0, count: count), bad = ok
        var latencies = [[Double]](repeating: [], count: count)
        for r in load {
            guard let i = index(r.end) else { continue }
            if r.outcome == .ok {
                ok[i] += 1
                latencies[i].append(Double(r.end &- r.intendedStart) / 1e6)
            } else {
                bad[i] += 1
            }
        }
        // Workers alive: the last supervised-or-not sample in the bucket while the master lived.
        var alive = [Int?](repeating: nil, count: count)
        for s in h.samples {
            guard let i = index(s.time) else { continue }
            alive[i] = s.masterAlive ? s.liveChildren.count : 0
        }
        buckets = (0..<count).map { i in
            TimelineBucket(t: Double(i) * bucketSeconds, ok: ok[i], failed: bad[i],
                           p50ms: percentile(latencies[i], 50), p99ms: percentile(latencies[i], 99),
                           workersAlive: alive[i])
        }
        faults = h.faults.map { f in
            // A kill or crash is an instant (its request's return is not the fault's length);
            // stop, hang, slowloris and boot-fail last until their endedAt.
            let instant: Set<FaultKind> = [.kill, .crash, .malformed, .signalStorm, .masterKill]
            return TimelineFault(index: f.index, kind: f.kind.rawValue, start: sec(f.time),
                                 end: instant.contains(f.kind) ? nil : f.endedAt.map(sec), victimPid: f.victimPid,
                                 victimSlot: f.victimSlot, applied: f.applied, outcome: Self.outcome(f))
        }
        planned = Self.unexplainedDeaths(h).map { d in
            TimelineEvent(kind: h.info.lifetime > 0 ? "retirement" : "worker-exit", time: sec(d.observedAt),
                          pid: d.pid)
        }
        let end = h.supervisionEnd
        supervisionEnd = end == UInt64.max ? nil : sec(end)
    }

    /// What became of a fault, in words, for the hover text.
    static func outcome(_ f: FaultEvent) -> String {
        var parts: [String] = [f.applied ? "applied" : "not applied"]
        if let s = f.status { parts.append("status \(s)") }
        if let c = f.curlCode, c != 0 { parts.append("curl code \(c)") }
        if !f.detail.isEmpty { parts.append(f.detail) }
        return parts.joined(separator: ", ")
    }

    /// Deaths that no applied fault explains: a fault with a victim pid
    /// explains that pid's death; a crash or hang request explains the first
    /// unexplained death after it (within its window), a signal storm one per
    /// TTOU within `deathWindowAfter`, a boot-fail those until it ends. The rest
    /// are the server's own (retirements when a lifetime is set).
    static func unexplainedDeaths(_ h: History) -> [WorkerDeath] {
        let victims = Set(h.faults.compactMap { $0.applied ? $0.victimPid : nil })
        var deaths = h.workerDeaths.filter { !victims.contains($0.pid) }
        let window = ns(h.hangDeadline + h.info.limits.deathWindowAfter)
        for f in h.faults where f.applied && f.victimPid == nil {
            switch f.kind {
            case .crash, .hang:
                if let i = deaths.firstIndex(where: { $0.observedAt >= f.time && $0.observedAt <= f.time + window }) {
                    deaths.remove(at: i)
                }
            case .signalStorm:
                // Each TTOU of the storm ("N x TTIN/USR1/TTOU") retires one worker.
                let rounds = Int(f.detail.prefix { $0.isNumber }) ?? 1
                let end = f.time + ns(h.info.limits.deathWindowAfter)
                for _ in 0..<rounds {
                    guard let i = deaths.firstIndex(where: { $0.observedAt >= f.time && $0.observedAt <= end })
                    else { break }
                    deaths.remove(at: i)
                }
            case .bootFail:
                deaths.removeAll { $0.observedAt >= f.time && $0.observedAt <= (f.endedAt ?? UInt64.max / 2) + window }
            case .kill, .stop, .slowloris, .malformed, .masterKill:
                break
            case .groupFreeze, .masterStop, .logStall, .slowlorisFlood, .fdLimit, .logFull, .cpuThrottle, .toxicClients:
                break  // environment faults kill nobody by design; a death near one is the daemon's (no-false-timeout judges it)
            case .upgrade, .badUpgrade, .reload, .scaleDown, .scaleUp:
                break  // planned changes name the master as victim, so they do not come here
            }
        }
        return deaths
    }

    /// Seconds since the start for each `t=12.345s` in `text` (evidence lines).
    public static func times(in text: String) -> [Double] {
        var out: [Double] = []
        var rest = Substring(text)
        while let r = rest.range(of: "t=") {
            let digits = rest[r.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "-" }
            if let v = Double(digits), rest[r.upperBound...].dropFirst(digits.count).first == "s" { out.append(v) }
            rest = rest[r.upperBound...]
        }
        return out
    }
}

/// One time bucket of the load.
public struct TimelineBucket: Codable, Sendable, Equatable {
    /// Bucket start, seconds since the run started.
    public var t: Double
    /// Load requests that ended in the bucket with a 2xx/3xx, and the rest.
    public var ok: Int
    public var failed: Int
    /// Latency (intended start to end) of the ok requests, ms; 0 when none.
    public var p50ms: Double
    public var p99ms: Double
    /// Live workers in the bucket's last /proc sample; nil when none was taken.
    public var workersAlive: Int?

    /// Share of the bucket's requests that failed, 0...1.
    public var errorRate: Double { ok + failed == 0 ? 0 : Double(failed) / Double(ok + failed) }
}

/// A fault on the timeline.
public struct TimelineFault: Codable, Sendable, Equatable {
    public var index: Int
    public var kind: String
    public var start: Double
    /// For faults that last (stop, hang, boot-fail, slowloris); nil for instants.
    public var end: Double?
    public var victimPid: Int32?
    public var victimSlot: Int?
    public var applied: Bool
    public var outcome: String
}

/// A planned event on the timeline (a retirement; upgrades once chaos-run drives them).
public struct TimelineEvent: Codable, Sendable, Equatable {
    public var kind: String
    public var time: Double
    public var pid: Int32
}

/// Derived facts the invariants share: deaths, time formatting, windows.
/// All pure.

/// A worker seen alive in one sample and dead or gone in the next.
struct WorkerDeath: Sendable {
    var pid: Int32
    var startTime: UInt64
    /// Time of the last sample where it was alive.
    var lastSeenAlive: UInt64
    /// Time of the first sample where it was dead or gone.
    var observedAt: UInt64
}

/// Process identity across pid reuse.
struct ProcKey: Hashable {
    var pid: Int32
    var startTime: UInt64
    init(_ p: ProcInfo) { pid = p.pid; startTime = p.startTime }
}

extension History {
    /// Seconds since the run started, for evidence lines.
    func t(_ ns: UInt64) -> String {
        let s = Double(Int64(bitPattern: ns &- info.startTime)) / 1e9
        return "t=" + fmt(s, 3) + "s"
    }

    /// When the master stopped being a supervisor we judge: the shutdown
    /// signal, a master-kill fault, or its first observed absence.
    var supervisionEnd: UInt64 {
        var end = info.endTime == 0 ? UInt64.max : info.endTime
        if let s = shutdown { end = min(end, s.sentAt) }
        if let mk = faults.first(where: { $0.kind == .masterKill && $0.applied }) { end = min(end, mk.time) }
        if let gone = samples.first(where: { !$0.masterAlive }) { end = min(end, gone.time) }
        return end
    }

    /// Samples taken while the master lived and supervised.
    var supervisedSamples: [ProcessSnapshot] {
        let end = supervisionEnd
        return samples.filter { $0.masterAlive && $0.time < end }
    }

    /// Worker deaths observed between consecutive supervised samples.
    var workerDeaths: [WorkerDeath] {
        let s = supervisedSamples
        guard s.count > 1 else { return [] }
        var deaths: [WorkerDeath] = []
        for i in 1..<s.count {
            let now = Set(s[i].liveChildren.map(ProcKey.init))
            for p in s[i - 1].liveChildren where !now.contains(ProcKey(p)) {
                deaths.append(WorkerDeath(pid: p.pid, startTime: p.startTime,
                                          lastSeenAlive: s[i - 1].time, observedAt: s[i].time))
            }
        }
        return deaths
    }

    /// Observer stalls: gaps between consecutive samples longer than
    /// `Limits.stallGap`. The sampler asks for one every 10 ms; a gap of
    /// seconds means the whole machine stopped running us (two shared cores,
    /// other jobs), and then the daemon, whose workers, heartbeats and master
    /// share the same cores, stopped too. Time-based deadlines are measured in
    /// time the machine actually ran: a stall inside a deadline extends it.
    var stalls: [ClosedRange<UInt64>] {
        let gap = ns(info.limits.stallGap)
        return zip(samples, samples.dropFirst()).compactMap { a, b in
            b.time > a.time && b.time - a.time >= gap ? a.time...b.time : nil
        }
    }

    /// Total stall time overlapping `range` (ns).
    func stallTime(in range: ClosedRange<UInt64>) -> UInt64 {
        stalls.reduce(0) { sum, s in
            let lo = max(s.lowerBound, range.lowerBound), hi = min(s.upperBound, range.upperBound)
            return hi > lo ? sum + (hi - lo) : sum
        }
    }

    /// Time ranges in which an injected fault may make a request fail (the
    /// observed worker deaths aside). Environment faults excuse nothing:
    /// a paused target delays requests, the others must not cost one.
    var faultWindows: [ClosedRange<UInt64>] {
        let l = info.limits
        var w: [ClosedRange<UInt64>] = []
        for f in faults where f.applied {
            switch f.kind {
            case .kill, .crash, .signalStorm:
                w.append(f.time...(f.time + ns(l.deathWindowAfter)))
            case .stop, .hang:
                w.append(f.time...(f.time + ns(hangDeadline + l.deathWindowAfter)))
            case .bootFail:
                w.append(f.time...((f.endedAt ?? UInt64.max / 2) + ns(l.respawnDeadline + 2)))
            case .masterKill:
                w.append(f.time...UInt64.max)
            case .slowloris, .malformed, .groupFreeze, .masterStop, .logStall, .slowlorisFlood, .fdLimit, .logFull,
                 .cpuThrottle, .toxicClients:
                break
            }
        }
        return w
    }

    /// Environment faults that were applied and have ended.
    var environmentFaults: [FaultEvent] {
        faults.filter { $0.kind.isEnvironment && $0.applied && $0.endedAt != nil }
    }

    /// When the runner had the master stopped (group-freeze, master-stop).
    var masterPauses: [ClosedRange<UInt64>] {
        faults.filter { $0.kind.pausesMaster && $0.applied }.map { $0.time...max($0.time, $0.endedAt ?? info.endTime) }
    }

    /// Total time the runner had the master stopped within `range` (ns):
    /// a stopped master cannot reap or refill, so its deadlines stretch by it.
    func pauseTime(in range: ClosedRange<UInt64>) -> UInt64 {
        masterPauses.reduce(0) { sum, p in
            let lo = max(p.lowerBound, range.lowerBound), hi = min(p.upperBound, range.upperBound)
            return hi > lo ? sum + (hi - lo) : sum
        }
    }

    /// `deadline` pushed back by the pause time between `from` and it,
    /// again while the pushed deadline reaches into more pause (a death just
    /// before a 3.5 s freeze leaves the master only the time outside it).
    func stretchedByPauses(from: UInt64, _ deadline: UInt64) -> UInt64 {
        var extra: UInt64 = 0
        for _ in 0..<8 {
            let next = pauseTime(in: from...(deadline + extra))
            if next == extra { break }
            extra = next
        }
        return deadline + extra
    }

    /// Requests from the load loop.
    var loadRequests: [RequestEvent] { requests.filter { $0.source == .load } }

    /// Whether the server sends X-Worker-Pid / X-Worker-Served at all.
    var hasWorkerHeaders: Bool {
        requests.contains { $0.outcome == .ok && $0.workerPid != nil && $0.served != nil }
    }

    /// Deadline (s) after a stop/hang for the daemon to kill the worker.
    var hangDeadline: Double { info.timeout + max(info.limits.hangSlack, info.timeout * 0.5) }
}

func ns(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }

func fmt(_ v: Double, _ digits: Int) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < digits { s += String(repeating: "0", count: digits - have) }
    }
    return s
}

/// Percentile (0...100) of unsorted values, nearest-rank; 0 for none.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

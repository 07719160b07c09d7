/// no-false-timeout: when the runner pauses the master (group-freeze stops
/// the whole process group, master-stop the master alone) for longer than
/// --timeout, the workers' heartbeats look stale to the master when it
/// resumes, but the workers did nothing wrong. No worker may die in the
/// master's first turns after the pause (timeout + slack) unless it retired
/// (answered its whole lifetime), was a fault's victim, or died near a crash,
/// hang, signal-storm (TTOU), boot-fail or master-kill fault. Judged from /proc deaths and the
/// served counts the clients saw; without worker headers every such death counts.
public struct NoFalseTimeoutInvariant: Invariant {
    public let id = "no-false-timeout"
    public let meaning = "no worker is killed as hung because the runner paused the whole group or the master"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let pauses = h.environmentFaults.filter(\.kind.pausesMaster)
        guard !pauses.isEmpty else {
            return Verdict(id: id, status: .skip, summary: "no group-freeze or master-stop fault injected")
        }
        guard h.info.timeout > 0 else {
            return Verdict(id: id, status: .skip, summary: "heartbeat timeout is off (--timeout 0)")
        }
        let victims = Set(h.faults.compactMap { $0.kind == .kill || $0.kind == .stop ? $0.victimPid : nil })
        // A storm's TTOU retires a worker early; signals sent during a pause arrive after it.
        let ambiguous = h.faults.filter { [.crash, .hang, .signalStorm, .bootFail, .masterKill].contains($0.kind) && $0.applied }
            .map { $0.time...(($0.endedAt ?? $0.time) + ns(h.hangDeadline)) }
        var served: [Int32: Int] = [:]
        for r in h.requests where r.outcome == .ok {
            if let pid = r.workerPid, let s = r.served { served[pid] = max(served[pid] ?? 0, s) }
        }
        let judgeByServed = h.hasWorkerHeaders && h.info.lifetime > 0
        var violations: [String] = []
        var retired = 0
        for p in pauses {
            let resumed = p.endedAt!
            let window = p.time...(resumed + ns(h.info.timeout + h.info.limits.hangSlack))
            for d in h.workerDeaths where window.contains(d.observedAt) && !victims.contains(d.pid) {
                if ambiguous.contains(where: { $0.contains(d.observedAt) }) { continue }
                let k = served[d.pid] ?? 0
                if judgeByServed && k >= h.info.lifetime { retired += 1; continue }
                let paused = fmt(Double(resumed - p.time) / 1e9, 1)
                violations.append("pid=\(d.pid) died at \(h.t(d.observedAt)), "
                    + fmt(Double(Int64(bitPattern: d.observedAt &- resumed)) / 1e9, 2) + " s after the \(p.kind.rawValue) "
                    + "ended at \(h.t(resumed)) (paused \(paused) s, --timeout \(fmt(h.info.timeout, 1)) s)"
                    + (judgeByServed ? ", having answered \(k) of its lifetime \(h.info.lifetime)" : "")
                    + ": killed as hung for the runner's pause")
            }
        }
        return .judge(id, violations: violations,
                      pass: "\(pauses.count) pause(s) longer than --timeout, no worker killed after them"
                          + (retired > 0 ? " (\(retired) retired on budget meanwhile)" : ""),
                      fail: "healthy workers killed after a pause of the master",
                      metrics: ["pauses": Double(pauses.count), "false_kills": Double(violations.count)])
    }
}

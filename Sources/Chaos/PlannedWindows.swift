/// One planned change as the invariants see it: a named window of time.
public struct PlannedWindow: Sendable, Equatable {
    /// upgrade, bad-upgrade, reload, scale-down, scale-up, retirement, graceful-stop.
    public var kind: String
    public var start: UInt64
    public var end: UInt64
    /// What it was (for evidence): "upgrade of master pid=7 at t=1.2s".
    public var label: String
}

extension History {
    /// Every planned change with its window: the applied planned faults
    /// (injection .. end + deathWindowAfter), each retirement (`retirements`,
    /// last seen alive - deathWindowBefore .. seen gone + deathWindowAfter) and the graceful stop (signal .. exit,
    /// for the requests already in flight at the signal).
    public var plannedWindows: [PlannedWindow] {
        let l = info.limits
        var out: [PlannedWindow] = faults.filter { $0.kind.isPlanned && !$0.skipped }.map { f in
            PlannedWindow(kind: f.kind.rawValue, start: f.time, end: (f.endedAt ?? f.time) + ns(l.deathWindowAfter),
                          label: "\(f.kind.rawValue) #\(f.index) at \(t(f.time))"
                              + (f.victimPid.map { " (master pid=\($0))" } ?? ""))
        }
        if info.lifetime > 0 {
            for d in retirements {
                out.append(PlannedWindow(kind: "retirement", start: d.lastSeenAlive - min(d.lastSeenAlive, ns(l.deathWindowBefore)),
                                         end: d.observedAt + ns(l.deathWindowAfter),
                                         label: "retirement of pid=\(d.pid) at \(t(d.observedAt))"))
            }
        }
        if let s = shutdown, s.signal != "QUIT" {
            out.append(PlannedWindow(kind: "graceful-stop", start: s.sentAt, end: s.exitedAt ?? s.sentAt,
                                     label: "SIG\(s.signal) at \(t(s.sentAt))"))
        }
        return out
    }

    /// Worker deaths that were retirements: a worker that answered its whole
    /// lifetime (worker headers), and every death no fault explains, planned
    /// or not (a reload's old workers are the reload's; an environment fault
    /// or observer stall explains deaths up to the hang deadline after it,
    /// the heartbeat kills it may cause): with a lifetime set,
    /// a worker that exits by itself is retiring, whether or not it answered
    /// its last units (a worker that drops them must not hide), and a
    /// foreign server without worker headers run with `--lifetime` set to
    /// its own max-requests shows no other sign of it.
    var retirements: [WorkerDeath] {
        var maxServed: [Int32: Int] = [:]
        for r in requests { if let p = r.workerPid, let s = r.served { maxServed[p] = max(maxServed[p] ?? 0, s) } }
        // Heartbeat kills may follow an environment fault or an observer
        // stall (a starved machine) by up to the hang deadline: not retirements.
        let after = ns(hangDeadline + info.limits.deathWindowAfter)
        let explained = faultWindows
            + faults.filter { $0.kind.isPlanned && !$0.skipped }
                .map { $0.time...(($0.endedAt ?? $0.time) + ns(info.limits.deathWindowAfter)) }
            + faults.filter { $0.kind.isEnvironment && $0.applied }.map { $0.time...(($0.endedAt ?? $0.time) + after) }
            + stalls.map { $0.lowerBound...($0.upperBound + after) }
        return workerDeaths.filter { d in
            (maxServed[d.pid] ?? 0) >= info.lifetime || !explained.contains { $0.overlaps(d.lastSeenAlive...d.observedAt) }
        }
    }
}

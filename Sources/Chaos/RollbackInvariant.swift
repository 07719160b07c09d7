/// rollback: after a bad upgrade (a build that exits at boot or never gets
/// ready), the old generation keeps serving with 0 failures, stays the
/// master, and nothing of the failed build is left running.
public struct RollbackInvariant: Invariant {
    public let id = "rollback"
    public let meaning = "after a bad upgrade the old generation serves on with 0 failures and nothing of the failed build is left"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let bads = h.faults.filter { $0.kind == .badUpgrade && !$0.skipped }
        guard !bads.isEmpty else { return Verdict(id: id, status: .skip, summary: "no bad upgrade made") }
        let unplanned = h.faultWindows
        var v: [String] = []
        var failed = 0
        for b in bads {
            let what = "bad-upgrade #\(b.index) at \(h.t(b.time)) (\(b.detail))"
            let end = (b.endedAt ?? b.time) + ns(h.info.limits.deathWindowAfter)
            let lost = h.requests.filter { r in
                r.source != .fault && r.outcome != .ok && r.end >= b.time && r.start <= end
                    && !unplanned.contains { $0.overlaps(r.start...max(r.start, r.end)) }
            }
            failed += lost.count
            if let r = lost.first {
                v.append("\(what): \(lost.count) request(s) failed, first sent \(h.t(r.start)) (curl \(r.curlCode), status \(r.status))")
            }
            if let left = b.leftovers, !left.isEmpty { v.append("\(what): failed build still running: pids \(left)") }
            if let taken = (h.generations ?? []).first(where: { $0.since >= b.time && $0.since <= (b.endedAt ?? b.time) }) {
                v.append("\(what): pid=\(taken.pid) took over as master")
            }
            if let old = (h.generations ?? []).first(where: { $0.pid == b.victimPid }), let gone = old.goneAt,
               gone <= (b.endedAt ?? b.time) {
                v.append("\(what): the old master pid=\(old.pid) was gone at \(h.t(gone))")
            }
        }
        return .judge(id, violations: v, pass: "\(bads.count) bad upgrade(s) rolled back, 0 requests failed, nothing left",
                      fail: "bad upgrades not rolled back cleanly",
                      metrics: ["bad_upgrades": Double(bads.count), "failed": Double(failed)])
    }
}

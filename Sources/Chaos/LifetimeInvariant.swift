/// lifetime: per worker pid, the X-Worker-Served counts seen are distinct, form
/// 1..k with no gap, k <= lifetime + jitter, and a worker seen dead in /proc
/// never answers a request sent after that.
public struct LifetimeInvariant: Invariant {
    public let id = "lifetime"
    public let meaning = "each worker counts 1..k without gap or duplicate, k <= lifetime + jitter, a dead worker never answers"
    public init() {}

    public func check(_ h: History) -> Verdict {
        guard h.hasWorkerHeaders else {
            return Verdict(id: id, status: .skip, summary: "server sends no X-Worker-Pid/X-Worker-Served headers")
        }
        var byPid: [Int32: [RequestEvent]] = [:]
        for r in h.requests where r.outcome == .ok {
            if let pid = r.workerPid, r.served != nil { byPid[pid, default: []].append(r) }
        }
        let budget = h.info.lifetime == 0 ? Int.max : h.info.lifetime + h.info.lifetimeJitter
        let deathAt = Dictionary(h.workerDeaths.map { ($0.pid, $0.observedAt) }, uniquingKeysWith: min)
        var violations: [String] = []
        for pid in byPid.keys.sorted() {
            violations += checkWorker(h, pid: pid, byPid[pid]!, budget: budget, deadAt: deathAt[pid])
        }
        violations += earlyRetirements(h, byPid)
        let maxServed = byPid.values.flatMap { $0.compactMap(\.served) }.max() ?? 0
        return .judge(id, violations: violations,
                      pass: "\(byPid.count) workers answered, max served \(maxServed), budget "
                          + (budget == Int.max ? "unlimited" : "\(budget)"),
                      fail: "served counts broke the lifetime contract",
                      metrics: ["workers_seen": Double(byPid.count), "max_served": Double(maxServed)])
    }

    /// With a fixed budget (no jitter), a worker that died on its own (no
    /// fault near its death) must have answered exactly `lifetime` requests:
    /// fewer means the last reserved units were never answered.
    private func earlyRetirements(_ h: History, _ byPid: [Int32: [RequestEvent]]) -> [String] {
        guard h.info.lifetime > 0, h.info.lifetimeJitter == 0 else { return [] }
        let victims = Set(h.faults.compactMap { $0.kind == .kill || $0.kind == .stop ? $0.victimPid : nil })
        let ambiguous = h.faults.filter { [.crash, .hang, .signalStorm, .bootFail, .masterKill].contains($0.kind) }
            .map { $0.time...(($0.endedAt ?? $0.time) + ns(h.info.limits.deathWindowAfter)) }
            // Kills around environment faults are no-false-timeout's and supervision-alive's to judge.
            + h.environmentFaults.map { $0.time...($0.endedAt! + ns(h.info.timeout + h.info.limits.hangSlack)) }
        // A stall of timeout/2 or more starves heartbeats: the master may then
        // kill a worker by timeout, which is not a lost budget.
        let timeoutKills = h.stalls.filter { Double($0.upperBound - $0.lowerBound) / 1e9 >= h.info.timeout / 2 }
            .map { $0.lowerBound...($0.upperBound + ns(h.info.timeout + h.info.limits.hangSlack)) }
        var out: [String] = []
        for d in h.workerDeaths where !victims.contains(d.pid) {
            guard !(ambiguous + timeoutKills).contains(where: { $0.contains(d.observedAt) || $0.contains(d.lastSeenAlive) }),
                  let rs = byPid[d.pid], let k = rs.compactMap(\.served).max(), k < h.info.lifetime
            else { continue }
            out.append("pid=\(d.pid) exited by itself at \(h.t(d.observedAt)) after answering \(k) of its "
                + "lifetime \(h.info.lifetime): the last unit(s) were never answered")
        }
        return out
    }

    private func checkWorker(_ h: History, pid: Int32, _ rs: [RequestEvent], budget: Int,
                             deadAt: UInt64?) -> [String] {
        var out: [String] = []
        let sorted = rs.sorted { $0.served! < $1.served! }
        var expected = sorted.first!.served! == 1 ? 1 : sorted.first!.served!
        if sorted.first!.served! != 1 {
            out.append("pid=\(pid) first count seen is \(sorted.first!.served!) at \(h.t(sorted.first!.end)), not 1")
        }
        for r in sorted {
            let c = r.served!
            if c < expected {
                out.append("pid=\(pid) served=\(c) answered twice (again at \(h.t(r.end)))")
            } else if c > expected {
                out.append("pid=\(pid) gap: served \(expected)..\(c - 1) never seen, next is \(c) at \(h.t(r.end))")
            }
            expected = c + 1
            if c > budget {
                out.append("pid=\(pid) served=\(c) > lifetime budget \(budget) at \(h.t(r.end))")
            }
            if let dead = deadAt, r.start > dead {
                out.append("pid=\(pid) answered a request sent at \(h.t(r.start)) after it was seen dead at \(h.t(dead))")
            }
        }
        return out
    }
}

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
        let maxServed = byPid.values.flatMap { $0.compactMap(\.served) }.max() ?? 0
        return .judge(id, violations: violations,
                      pass: "\(byPid.count) workers answered, max served \(maxServed), budget "
                          + (budget == Int.max ? "unlimited" : "\(budget)"),
                      fail: "served counts broke the lifetime contract",
                      metrics: ["workers_seen": Double(byPid.count), "max_served": Double(maxServed)])
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

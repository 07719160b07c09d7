/// handover: every upgrade or reload completes in time: the new generation
/// serves with N workers and the old master is gone within --graceful-timeout
/// + slack; exactly one master is alive at the end and the pid file, if
/// any, names it. Reports hand-over time (signal to new generation serving) p50/max.
public struct HandoverInvariant: Invariant {
    public let id = "handover"
    public let meaning = "each upgrade or reload: new generation serving, old one gone in time; one master at the end, named by the pid file"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let changes = h.faults.filter { ($0.kind == .upgrade || $0.kind == .reload) && !$0.skipped }
        guard !changes.isEmpty else { return Verdict(id: id, status: .skip, summary: "no upgrade or reload made") }
        let limit = h.info.gracefulTimeout + h.info.limits.shutdownSlack
        let gens = h.generations ?? []
        var v: [String] = []
        var took: [Double] = []
        for c in changes {
            let what = "\(c.kind.rawValue) #\(c.index) at \(h.t(c.time)) of master pid=\(c.victimPid ?? 0)"
            guard let ready = c.readyAt else {
                v.append("\(what): no new generation serving with \(h.info.workers) workers (\(c.detail))")
                continue
            }
            let s = Double(ready - c.time) / 1e9
            took.append(s)
            if s > limit { v.append("\(what): new generation serving only after \(fmt(s, 2))s (limit \(fmt(limit, 1))s)") }
            guard c.kind == .upgrade else { continue }
            let old = gens.first { $0.pid == c.victimPid }
            if let gone = old?.goneAt {
                let g = Double(gone - c.time) / 1e9
                if g > limit { v.append("\(what): old master gone only after \(fmt(g, 2))s (limit \(fmt(limit, 1))s)") }
            } else {
                v.append("\(what): old master still there at the end")
            }
        }
        if let s = h.shutdown, let live = s.liveMasters {
            if live.count != 1 { v.append("\(live.count) masters alive at SIG\(s.signal): pids \(live)") }
            if let named = s.pidFileMaster, let m = live.last, named != m {
                v.append("pid file names pid=\(named), the current master is pid=\(m)")
            }
        }
        let sorted = took.sorted()
        let p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2], mx = sorted.last ?? 0
        return .judge(id, violations: v,
                      pass: "\(changes.count) hand-over(s), time to new generation serving p50 \(fmt(p50 * 1000, 1))ms "
                          + "max \(fmt(mx * 1000, 1))ms; one master at the end",
                      fail: "hand-overs incomplete or late",
                      metrics: ["handovers": Double(changes.count), "handover_p50_s": p50, "handover_max_s": mx])
    }
}

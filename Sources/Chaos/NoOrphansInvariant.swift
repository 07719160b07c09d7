/// no-orphans: nothing the daemon started is reparented to the runner (a
/// child subreaper) while the master lives; once the master is gone, its
/// descendants are gone within `Limits.orphanDeadline`.
public struct NoOrphansInvariant: Invariant {
    public let id = "no-orphans"
    public let meaning = "nothing is reparented to the runner while the master lives; nothing outlives the master"
    public init() {}

    public func check(_ h: History) -> Verdict {
        guard !h.samples.isEmpty else { return Verdict(id: id, status: .skip, summary: "no process samples") }
        let masterGone = h.samples.first(where: { !$0.masterAlive })?.time
            ?? h.shutdown?.exitedAt
        var violations: [String] = []
        var seen = Set<ProcKey>()
        for s in h.samples {
            for o in s.orphans where o.isLive && !seen.contains(ProcKey(o)) {
                if s.masterAlive, masterGone.map({ s.time < $0 }) ?? true {
                    seen.insert(ProcKey(o))
                    violations.append("\(h.t(s.time)) pid=\(o.pid) reparented to the runner while master "
                        + "pid=\(h.info.masterPid) was alive")
                } else if let gone = masterGone, s.time > gone + ns(h.info.limits.orphanDeadline) {
                    seen.insert(ProcKey(o))
                    violations.append("\(h.t(s.time)) pid=\(o.pid) still alive "
                        + "\(fmt(Double(s.time - gone) / 1e9, 2))s after the master exited at \(h.t(gone))")
                }
            }
        }
        for p in h.shutdown?.survivors ?? [] where p.isLive && !seen.contains(ProcKey(p)) {
            violations.append("pid=\(p.pid) survived the shutdown (state \(p.state))")
        }
        return .judge(id, violations: violations, pass: "no process reparented to the runner",
                      fail: "processes escaped the master")
    }
}

/// availability: while the master supervises, no connection is refused, and
/// every failed request ends near a worker death (kill, crash, retirement,
/// stop) or inside a stop/hang/boot-fail window. Reports requests lost per death.
public struct AvailabilityInvariant: Invariant {
    public let id = "availability"
    public let meaning = "no refusal while the master lives; failures only around worker deaths and fault windows"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let load = h.loadRequests
        guard !load.isEmpty else { return Verdict(id: id, status: .skip, summary: "no load requests") }
        let end = h.supervisionEnd
        let windows = excusingWindows(h)
        var violations: [String] = []
        var excused = 0
        for r in load where r.outcome != .ok && r.end < end {
            if r.curlCode == 7 {
                violations.append("\(h.t(r.end)) connection refused while master pid=\(h.info.masterPid) lived")
            } else if windows.contains(where: { $0.contains(r.end) }) {
                excused += 1
            } else {
                violations.append("\(h.t(r.end)) \(describe(r)) outside any fault or worker-death window")
            }
        }
        let ok = load.filter { $0.outcome == .ok }.count
        let deaths = max(1, h.workerDeaths.count)
        let metrics: [String: Double] = [
            "ok": Double(ok), "total": Double(load.count), "excused_failures": Double(excused),
            "lost_per_death": Double(excused) / Double(deaths),
        ]
        let stats = "\(ok)/\(load.count) ok; \(excused) failed around \(h.workerDeaths.count) worker deaths "
            + "(\(fmt(metrics["lost_per_death"]!, 2)) lost per death)"
        return .judge(id, violations: violations, pass: stats, fail: "unexplained failures; " + stats,
                      metrics: metrics)
    }

    private func describe(_ r: RequestEvent) -> String {
        r.curlCode == 0 ? "status \(r.status) for \(r.path)" : "curl code \(r.curlCode) for \(r.path)"
    }

    /// Time ranges in which a failed request is expected.
    private func excusingWindows(_ h: History) -> [ClosedRange<UInt64>] {
        let l = h.info.limits
        return h.workerDeaths.map {
            ($0.lastSeenAlive &- ns(l.deathWindowBefore))...($0.observedAt + ns(l.deathWindowAfter))
        } + h.faultWindows
    }
}

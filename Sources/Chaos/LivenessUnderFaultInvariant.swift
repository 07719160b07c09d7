/// liveness-under-fault: while an environment fault lasts (log stall, fd
/// limit, slowloris flood) every fresh client (the liveness prober's GET /
/// on a new connection) is answered within `EnvironmentLimits.livenessBound`
/// (at most 3/4 of --timeout),
/// and once any environment fault ends (the master pauses included) a fresh
/// client is answered within `recoveryDeadline`. A probe that fails inside a
/// kill, crash, stop, hang or boot-fail window is excused; observer stalls
/// extend both limits.
public struct LivenessUnderFaultInvariant: Invariant {
    public let id = "liveness-under-fault"
    public let meaning = "fresh clients are answered within a bound during each environment fault, and soon after it"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let faults = h.environmentFaults
        guard !faults.isEmpty else { return Verdict(id: id, status: .skip, summary: "no environment fault injected") }
        let probes = h.requests.filter { $0.source == .liveness }
        guard !probes.isEmpty else { return Verdict(id: id, status: .skip, summary: "no liveness probes recorded") }
        let lim = h.info.limits.env
        let bound = h.info.timeout > 0 ? min(lim.livenessBound, h.info.timeout * 0.75) : lim.livenessBound
        let excused = h.faultWindows
        var violations: [String] = []
        var judged = 0
        var worst = 0.0
        var recoveries: [Double] = []
        for f in faults {
            let end = f.endedAt!
            let during = "during \(f.kind.rawValue) (\(h.t(f.time))..\(h.t(end)))"
            if f.kind.answersDuring {
                for p in probes where p.start >= f.time && p.start < end {
                    judged += 1
                    let took = Double(p.end - p.start) / 1e9
                    let allowed = bound + Double(h.stallTime(in: p.start...p.end)) / 1e9
                    guard p.outcome != .ok || took > allowed else { worst = max(worst, took); continue }
                    if excused.contains(where: { $0.contains(p.end) }) { continue }
                    violations.append("\(h.t(p.start)) fresh GET / \(during) "
                        + (p.outcome == .ok ? "answered after \(fmt(took, 2)) s" : "failed after \(fmt(took, 2)) s, "
                           + "curl \(p.curlCode) status \(p.status)") + " (bound \(fmt(bound, 2)) s)")
                }
            }
            var deadline = end + ns(lim.recoveryDeadline)
            deadline += h.stallTime(in: end...deadline)
            guard deadline < h.supervisionEnd else { continue }
            let answered = probes.filter { $0.start >= end && $0.outcome == .ok }.map(\.end).min()
            if let a = answered, a <= deadline {
                recoveries.append(Double(a - end) / 1e9)
            } else {
                violations.append("\(f.kind.rawValue) ended at \(h.t(end)): no fresh client answered by \(h.t(deadline))"
                    + (answered.map { " (first at \(h.t($0)))" } ?? "")
                    + " (recovery deadline \(fmt(lim.recoveryDeadline, 1)) s)")
            }
        }
        let metrics = ["faults": Double(faults.count), "probes_judged": Double(judged), "max_during_s": worst,
                       "max_recovery_s": recoveries.max() ?? 0]
        return .judge(id, violations: violations,
                      pass: "\(faults.count) environment fault(s): \(judged) fresh clients during them answered, "
                          + "max \(ms(worst)); recovered within \(ms(recoveries.max() ?? 0))",
                      fail: "fresh clients not answered in time", metrics: metrics)
    }
}

import Chaos

/// capacity-restored: every host a fault touched reads UP in HAProxy's
/// `show stat` within `deadline` seconds of the fault's end (or before the
/// next fault on that host, if sooner).
struct CapacityRestored: FleetInvariant {
    let id = "capacity-restored"
    var deadline = 5.0

    func check(_ h: FleetHistory) -> Verdict {
        guard !h.faults.isEmpty else { return Verdict(id: id, status: .skip, summary: "no fault in this run") }
        let origin = h.requests.map(\.start).min() ?? 0
        var violations: [String] = []
        var times: [Double] = []
        for (k, f) in h.faults.enumerated() {
            let server = "h\(f.host)"
            let changes = h.stats.filter { $0.server == server }
            // Judged until the deadline, or until the next fault on the same host takes it again.
            let next = h.faults[(k + 1)...].first { $0.host == f.host }?.start ?? .infinity
            let by = min(f.end + deadline, next)
            let atEnd = changes.last { $0.at <= f.end }?.status
            let upAt = atEnd == "UP" ? f.end : changes.first { $0.at > f.end && $0.at <= by && $0.status == "UP" }?.at
            guard let upAt else {
                let state = changes.last { $0.at <= by }?.status
                violations.append("\(f.kind.rawValue) of \(server) ended at \(seconds(f.end, from: origin)); at \(seconds(by, from: origin)) HAProxy said \(state ?? "nothing")")
                continue
            }
            times.append(upAt - f.end)
        }
        let worst = times.max() ?? 0
        return FleetInvariants.judge(id, violations: violations,
            pass: "\(h.faults.count) faulted hosts back UP, worst \(String(format: "%.2f", worst))s after the fault ended",
            fail: "a host was not back UP within \(deadline)s",
            metrics: ["faults": Double(h.faults.count), "worst_s": worst])
    }
}

import Chaos

/// capacity-restored: every host a fault touched reads UP in HAProxy's
/// `show stat` within `deadline` seconds of the fault's end.
struct CapacityRestored: FleetInvariant {
    let id = "capacity-restored"
    var deadline = 5.0

    func check(_ h: FleetHistory) -> Verdict {
        guard !h.faults.isEmpty else { return Verdict(id: id, status: .skip, summary: "no fault in this run") }
        let origin = h.requests.map(\.start).min() ?? 0
        var violations: [String] = []
        var times: [Double] = []
        for f in h.faults {
            let server = "h\(f.host)"
            let changes = h.stats.filter { $0.server == server }
            let by = f.end + deadline
            let state = changes.last { $0.at <= by }?.status
            guard state == "UP" else {
                violations.append("\(f.kind.rawValue) of \(server) ended at \(seconds(f.end, from: origin)); at \(seconds(by, from: origin)) HAProxy said \(state ?? "nothing")")
                continue
            }
            // When it came back: the last change to UP at or before the deadline.
            let upAt = changes.last { $0.at <= by && $0.status == "UP" }!.at
            times.append(max(0, upAt - f.end))
        }
        let worst = times.max() ?? 0
        return FleetInvariants.judge(id, violations: violations,
            pass: "\(h.faults.count) faulted hosts back UP, worst \(String(format: "%.2f", worst))s after the fault ended",
            fail: "a host was not back UP within \(deadline)s",
            metrics: ["faults": Double(h.faults.count), "worst_s": worst])
    }
}

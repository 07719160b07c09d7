/// hung-worker: a SIGSTOPped worker is gone within timeout + slack, and a
/// /__fault/hang request ends with a broken connection (the master killed its
/// worker) rather than a client timeout, within the same deadline.
public struct HungWorkerInvariant: Invariant {
    public let id = "hung-worker"
    public let meaning = "a stopped or hung worker is killed and replaced within --timeout + slack"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let faults = h.faults.filter { ($0.kind == .stop || $0.kind == .hang) && $0.applied }
        guard !faults.isEmpty else { return Verdict(id: id, status: .skip, summary: "no stop or hang fault injected") }
        guard h.info.timeout > 0 else {
            return Verdict(id: id, status: .skip, summary: "heartbeat timeout is off (--timeout 0)")
        }
        let deadline = ns(h.hangDeadline)
        let end = h.supervisionEnd
        var violations: [String] = []
        var latencies: [Double] = []
        for f in faults where f.time + deadline < end {
            switch f.kind {
            case .stop: checkStop(h, f, deadline, &violations, &latencies)
            default: checkHang(h, f, deadline, &violations, &latencies)
            }
        }
        let metrics = ["faults": Double(faults.count), "max_s": latencies.max() ?? 0]
        return .judge(id, violations: violations,
                      pass: "\(latencies.count) stopped/hung workers killed, max \(ms(metrics["max_s"]!)) "
                          + "(deadline \(fmt(h.hangDeadline, 1))s)",
                      fail: "stuck workers not killed in time", metrics: metrics)
    }

    private func checkStop(_ h: History, _ f: FaultEvent, _ deadline: UInt64,
                           _ v: inout [String], _ lat: inout [Double]) {
        guard let pid = f.victimPid else { return }
        let gone = h.samples.first { $0.time > f.time && !$0.liveChildren.contains { $0.pid == pid } }
        if let g = gone, g.time <= f.time + deadline {
            lat.append(Double(g.time - f.time) / 1e9)
        } else {
            v.append("\(h.t(f.time)) stopped worker pid=\(pid) still alive at \(h.t(f.time + deadline))"
                + (gone.map { " (gone at \(h.t($0.time)))" } ?? ""))
        }
    }

    private func checkHang(_ h: History, _ f: FaultEvent, _ deadline: UInt64,
                           _ v: inout [String], _ lat: inout [Double]) {
        let who = f.victimPid.map { " pid=\($0)" } ?? ""
        guard let ended = f.endedAt else {
            v.append("\(h.t(f.time)) hang request\(who) never returned"); return
        }
        if f.curlCode == 28 || ended > f.time + deadline {
            v.append("\(h.t(f.time)) hang request\(who) still waiting at \(h.t(min(ended, f.time + deadline))) "
                + "(curl code \(f.curlCode ?? -1)): the worker was not killed")
        } else {
            lat.append(Double(ended - f.time) / 1e9)
        }
    }
}

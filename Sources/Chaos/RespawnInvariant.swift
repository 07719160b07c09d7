/// respawn: after every worker death the live count is back to N within
/// `Limits.respawnDeadline`. Deaths during a boot-fail window get the window
/// plus the deadline, since the master is then supposed to back off; time
/// the runner kept the master stopped (group-freeze, master-stop) is added.
public struct RespawnInvariant: Invariant {
    public let id = "respawn"
    public let meaning = "after every worker death the live worker count is back to N within the respawn deadline"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let samples = h.supervisedSamples
        guard samples.count > 1 else { return Verdict(id: id, status: .skip, summary: "too few process samples") }
        let n = h.info.workers
        let end = h.supervisionEnd
        var latencies: [Double] = []
        var violations: [String] = []
        var stalled = 0
        for d in h.workerDeaths {
            var deadline = d.observedAt + ns(allowance(h, at: d.observedAt))
            let stall = h.stallTime(in: d.lastSeenAlive...deadline)
            if stall > 0 { deadline += stall; stalled += 1 }
            deadline = h.stretchedByPauses(from: d.lastSeenAlive, deadline)
            guard let back = samples.first(where: { $0.time >= d.observedAt && $0.liveChildren.count >= n }),
                  back.time <= deadline
            else {
                // Only a violation if the run went on long enough to see the deadline pass.
                guard deadline < end, samples.last!.time >= deadline else { continue }
                let low = samples.filter { $0.time >= d.observedAt && $0.time <= deadline }
                    .map(\.liveChildren.count).min() ?? 0
                violations.append("\(h.t(d.observedAt)) worker pid=\(d.pid) died; live count \(low) < \(n) "
                    + "until at least \(h.t(deadline)) (deadline \(fmt(allowance(h, at: d.observedAt), 1))s)")
                continue
            }
            latencies.append(Double(back.time - d.observedAt) / 1e9)
        }
        let metrics: [String: Double] = [
            "deaths": Double(h.workerDeaths.count),
            "p50_s": percentile(latencies, 50), "p99_s": percentile(latencies, 99),
            "max_s": latencies.max() ?? 0,
        ]
        let stats = "\(h.workerDeaths.count) deaths, respawn p50 \(ms(metrics["p50_s"]!)) "
            + "p99 \(ms(metrics["p99_s"]!)) max \(ms(metrics["max_s"]!))"
            + (stalled > 0 ? "; \(stalled) deadline(s) extended by observer stalls" : "")
        return .judge(id, violations: violations, pass: stats, fail: "count not restored in time; " + stats,
                      metrics: metrics)
    }

    /// The deadline for a death at `t`: longer inside a boot-fail window.
    private func allowance(_ h: History, at t: UInt64) -> Double {
        let base = h.info.limits.respawnDeadline
        for f in h.faults where f.kind == .bootFail && f.applied && f.time <= t {
            let off = f.endedAt ?? UInt64.max
            if t <= off { return Double(off - t) / 1e9 + base + 2 }
        }
        return base
    }
}

func ms(_ seconds: Double) -> String { fmt(seconds * 1000, 1) + "ms" }

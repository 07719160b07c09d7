/// supervision-alive: while a log stall, full log disk or fd-limit fault lasts, the master
/// keeps supervising: every worker death observed meanwhile is refilled to N
/// within the respawn deadline (extended by observer stalls), and the master
/// is never seen asleep in a pipe write (wchan `*pipe_write*`) for
/// `EnvironmentLimits.wedgedWrite` or longer: logging must never block it.
public struct SupervisionAliveInvariant: Invariant {
    public let id = "supervision-alive"
    public let meaning = "the master reaps and refills on time during log stalls and descriptor exhaustion"
    public init() {}

    static let kinds: Set<FaultKind> = [.logStall, .logFull, .fdLimit]

    public func check(_ h: History) -> Verdict {
        let faults = h.environmentFaults.filter { Self.kinds.contains($0.kind) }
        guard !faults.isEmpty else {
            return Verdict(id: id, status: .skip, summary: "no log-stall, log-full or fd-limit fault injected")
        }
        let samples = h.supervisedSamples
        guard samples.count > 1 else { return Verdict(id: id, status: .skip, summary: "too few process samples") }
        let n = h.info.workers
        let base = ns(h.info.limits.respawnDeadline)
        var violations: [String] = []
        var refilled = 0
        for f in faults {
            let window = f.time...f.endedAt!
            let during = "during \(f.kind.rawValue) (\(h.t(f.time))..\(h.t(f.endedAt!)))"
            for d in h.workerDeaths where window.contains(d.observedAt) {
                var deadline = d.observedAt + base
                deadline += h.stallTime(in: d.lastSeenAlive...deadline)
                guard deadline < h.supervisionEnd, samples.last!.time >= deadline else { continue }
                if samples.contains(where: { $0.time >= d.observedAt && $0.time <= deadline && $0.liveChildren.count >= n }) {
                    refilled += 1
                    continue
                }
                let low = samples.filter { $0.time >= d.observedAt && $0.time <= deadline }.map(\.liveChildren.count).min() ?? 0
                violations.append("\(h.t(d.observedAt)) worker pid=\(d.pid) died \(during); live count \(low) < \(n) "
                    + "until at least \(h.t(deadline))")
            }
            if let w = longestPipeWrite(samples.filter { window.contains($0.time) }),
               Double(w.upperBound - w.lowerBound) / 1e9 >= h.info.limits.env.wedgedWrite {
                violations.append("master pid=\(h.info.masterPid) asleep in a pipe write from \(h.t(w.lowerBound)) "
                    + "to \(h.t(w.upperBound)) \(during): its logging blocks supervision")
            }
        }
        return .judge(id, violations: violations,
                      pass: "\(faults.count) log-stall/log-full/fd-limit fault(s): \(refilled) death(s) meanwhile refilled in time, "
                          + "master never wedged in a write",
                      fail: "supervision stalled", metrics: ["faults": Double(faults.count), "refilled": Double(refilled)])
    }

    /// The longest run of consecutive samples with the master asleep in a pipe write.
    private func longestPipeWrite(_ samples: [ProcessSnapshot]) -> ClosedRange<UInt64>? {
        var best: ClosedRange<UInt64>?
        var runStart: UInt64?
        for s in samples {
            if s.masterState == "S", s.masterWchan?.contains("pipe_write") == true {
                let from = runStart ?? s.time
                runStart = from
                if best.map({ s.time - from > $0.upperBound - $0.lowerBound }) ?? true { best = from...s.time }
            } else {
                runStart = nil
            }
        }
        return best
    }
}

/// no-zombies: the master reaps every dead worker at once. A child in state Z
/// in two consecutive samples (10-20 ms apart) is a violation, as the issue
/// words it; one sample alone may be the instant between the exit and the
/// master's loop turn. "None at the end": the rule covers every sample while
/// the master lives, through the graceful shutdown up to its exit, so a
/// master that stops reaping while it drains fails too.
/// The second sighting counts only if the master was then asleep (state S,
/// e.g. in poll): SIGCHLD wakes it at once, so a master seen asleep with a
/// zombie already seen 10 ms earlier ignored the death. A master seen
/// runnable (R: woken, waiting for a CPU; measured on 2 shared cores up to
/// 235 ms) or busy in a syscall (D: e.g. dup_mmap inside fork for a
/// replacement) is tolerated up to `Limits.zombieStarvedLimit` (1 s). `Limits.zombieGrace` (default 0) can
/// demand a minimum age on top. Unknown master state (synthetic histories)
/// counts as asleep. A master seen stopped (T) is not judged until it runs again.
/// Contract with HistorySampler: in each sample the master's state was read
/// after the zombie's first sighting and before its re-read (see `take()`).
public struct NoZombiesInvariant: Invariant {
    public let id = "no-zombies"
    public let meaning = "no child of the master is a zombie in two consecutive samples, up to its exit"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let samples = h.samples.filter(\.masterAlive)
        guard !samples.isEmpty else { return Verdict(id: id, status: .skip, summary: "no process samples") }
        let grace = ns(h.info.limits.zombieGrace)
        let starvedLimit = ns(h.info.limits.zombieStarvedLimit)
        var firstZ: [ProcKey: UInt64] = [:]
        var reported = Set<ProcKey>()
        var violations: [String] = []
        var previousZ = Set<ProcKey>()
        var previousTime: UInt64 = 0
        let stall = ns(h.info.limits.stallGap)
        var acrossStalls = 0
        for s in samples {
            // Two samples across an observer stall are not "consecutive" in
            // machine time: the master did not run either.
            if s.time - previousTime >= stall {
                acrossStalls += previousZ.isEmpty ? 0 : 1
                previousZ = []
            }
            previousTime = s.time
            if s.masterState == "T" || s.masterState == "t" {
                // Stopped by the runner (group-freeze, master-stop): it cannot
                // reap; its zombies count from the sample after it resumed.
                for p in s.children where p.state == "Z" { firstZ[ProcKey(p)] = nil }
                previousZ = []
                continue
            }
            var nowZ = Set<ProcKey>()
            for p in s.children where p.state == "Z" {
                let k = ProcKey(p)
                nowZ.insert(k)
                let since = firstZ[k] ?? s.time
                firstZ[k] = since
                if previousZ.contains(k), s.time - since >= grace, !reported.contains(k),
                   s.masterState.map({ $0 == "S" }) ?? true || s.time - since >= starvedLimit {
                    reported.insert(k)
                    violations.append("pid=\(p.pid) zombie since \(h.t(since)), still at \(h.t(s.time))"
                        + masterActivity(samples, since...s.time))
                }
            }
            previousZ = nowZ
        }
        _ = acrossStalls
        let gaps = zip(samples.dropFirst(), samples).map { Double($0.time - $1.time) / 1e6 }
        let interval = "sample interval p50 \(fmt(percentile(gaps, 50), 1))ms p99 \(fmt(percentile(gaps, 99), 1))ms"
        return .judge(id, violations: violations,
                      pass: "\(samples.count) samples (\(interval)); \(firstZ.count) zombie(s) seen once, reaped by the next",
                      fail: "dead workers left unreaped (\(interval))",
                      metrics: ["zombies": Double(violations.count), "transient": Double(firstZ.count),
                                "across_stalls": Double(acrossStalls),
                                "interval_p50_ms": percentile(gaps, 50), "interval_p99_ms": percentile(gaps, 99)])
    }

    /// What the master was doing meanwhile, e.g. "; master R/0, S/do_sys_poll".
    private func masterActivity(_ samples: [ProcessSnapshot], _ span: ClosedRange<UInt64>) -> String {
        var seen: [String] = []
        for s in samples where span.contains(s.time) {
            guard let st = s.masterState else { continue }
            let d = st + "/" + (s.masterWchan ?? "?")
            if !seen.contains(d) { seen.append(d) }
        }
        return seen.isEmpty ? "" : "; master " + seen.joined(separator: ", ")
    }
}

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
/// Asleep means state S with a wait channel: `/proc/PID/wchan` reads "0"
/// when the process runs, so S then "0" is a master woken between the two reads.
/// After an upgrade each zombie is judged against its own parent (the
/// sample's `masters`): an old generation's worker left a zombie while its
/// master was busy exiting is neither the current master's fault nor excused
/// by the current master being busy.
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
            var nowZ = Set<ProcKey>()
            for p in s.children where p.state == "Z" {
                let k = ProcKey(p)
                let parent = Self.parent(of: p, in: s)
                if parent.state == "T" || parent.state == "t" {
                    // Stopped by the runner (group-freeze, master-stop): it cannot
                    // reap; its zombies count from the sample after it resumed.
                    firstZ[k] = nil
                    continue
                }
                nowZ.insert(k)
                let since = firstZ[k] ?? s.time
                firstZ[k] = since
                if previousZ.contains(k), s.time - since >= grace, !reported.contains(k),
                   Self.asleep(parent) || s.time - since >= starvedLimit {
                    reported.insert(k)
                    violations.append("pid=\(p.pid) zombie since \(h.t(since)), still at \(h.t(s.time))"
                        + parentActivity(samples, of: p, since...s.time))
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

    /// The state and wait channel of `p`'s parent at `s`: its own master
    /// generation's when the sample has them, else the current master's.
    static func parent(of p: ProcInfo, in s: ProcessSnapshot) -> (state: String?, wchan: String?) {
        if let m = s.masters?.first(where: { $0.pid == p.ppid }) { return (m.state, m.wchan) }
        return (s.masterState, s.masterWchan)
    }

    /// Asleep (it ignored the SIGCHLD): S with a wait channel; unknown counts as asleep.
    static func asleep(_ parent: (state: String?, wchan: String?)) -> Bool {
        guard let st = parent.state else { return true }
        return st == "S" && parent.wchan != "0"
    }

    /// What the zombie's parent was doing meanwhile, e.g. "; master R/0, S/do_sys_poll"
    /// ("; old master pid=7 ..." when that is not the current master).
    private func parentActivity(_ samples: [ProcessSnapshot], of p: ProcInfo, _ span: ClosedRange<UInt64>) -> String {
        var seen: [String] = []
        var old = false
        for s in samples where span.contains(s.time) {
            let parent = Self.parent(of: p, in: s)
            guard let st = parent.state else { continue }
            if let cur = s.masterPid, cur != p.ppid { old = true }
            let d = st + "/" + (parent.wchan ?? "?")
            if !seen.contains(d) { seen.append(d) }
        }
        let who = old ? "old master pid=\(p.ppid)" : "master"
        return seen.isEmpty ? "" : "; \(who) " + seen.joined(separator: ", ")
    }
}

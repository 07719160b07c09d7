/// no-busy-spin: a worker whose descriptor limit the fd-limit fault lowered
/// cannot accept (EMFILE), so it must back off, not retry at once. Its CPU
/// time while the fault lasted (from /proc/PID/stat, sampled by the runner)
/// stays under `EnvironmentLimits.spinCPU` of one core, plus `cpuPerAnswer`
/// for each request it answered meanwhile (real progress), or it is not
/// runnable (state R in the /proc samples) most of the time: on two shared
/// cores a spinning worker gets only a slice of a core, but never sleeps. A
/// worker runnable that often that answered nothing at all fails whatever
/// CPU it got (on a loaded machine the slice can be under the bound).
public struct NoBusySpinInvariant: Invariant {
    public let id = "no-busy-spin"
    public let meaning = "a worker that cannot accept (descriptor limit) does not burn CPU retrying"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let faults = h.faults.filter { $0.kind == .fdLimit && $0.applied && ($0.cpu?.count ?? 0) >= 2 }
        guard !faults.isEmpty else {
            return Verdict(id: id, status: .skip, summary: "no fd-limit fault with CPU samples")
        }
        let lim = h.info.limits.env
        var violations: [String] = []
        var maxShare = 0.0, maxRunnable = 0.0
        var judged = 0
        for f in faults {
            for (pid, c) in Dictionary(grouping: f.cpu!, by: \.pid).sorted(by: { $0.key < $1.key }) {
                let first = c.first!, last = c.last!
                let wall = Double(last.time - first.time) / 1e9
                guard wall >= 0.5 else { continue }   // retired at once: too short to judge
                judged += 1
                let used = last.seconds - first.seconds
                let answered = h.requests.filter {
                    $0.workerPid == pid && $0.outcome == .ok && (first.time...last.time).contains($0.end)
                }.count
                let allowed = lim.spinCPU * wall + Double(answered) * lim.cpuPerAnswer
                let states = h.samples.filter { (first.time...last.time).contains($0.time) }
                    .compactMap { s in s.children.first { $0.pid == pid }?.state }
                let runnable = states.isEmpty ? 0 : Double(states.filter { $0 == "R" }.count) / Double(states.count)
                maxShare = max(maxShare, used / wall)
                maxRunnable = max(maxRunnable, runnable)
                // Runnable nearly always and answering nothing is a spin even
                // when the machine gave it little CPU: under load (seen in a CI
                // run on two busy cores) a spinning worker got 10% of a core,
                // under the CPU bound, but was runnable in 100% of samples,
                // while a worker that backs off sleeps in epoll_wait.
                if runnable >= lim.spinRunnable && (used > allowed || answered == 0) {
                    violations.append("pid=\(pid) at its descriptor limit \(h.t(first.time))..\(h.t(last.time)) used "
                        + "\(fmt(used, 2)) s CPU in \(fmt(wall, 2)) s (\(pct(used / wall)) of a core), runnable in "
                        + "\(pct(runnable)) of \(states.count) samples, answering \(answered) request(s); "
                        + "allowed \(fmt(allowed, 2)) s")
                }
            }
        }
        return .judge(id, violations: violations,
                      pass: "\(judged) worker(s) at the descriptor limit, max \(pct(maxShare)) of a core, "
                          + "runnable in at most \(pct(maxRunnable)) of samples",
                      fail: "a worker that cannot accept spins",
                      metrics: ["max_cpu_share": maxShare, "max_runnable_share": maxRunnable])
    }
}

/// A share as a whole percentage: 0.237 -> "24%".
func pct(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

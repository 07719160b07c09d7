/// master-stable: the master lives until it is told to stop, and its open
/// descriptor count and RSS stay flat (median of the second fifth of the run
/// against the last fifth; the first fifth is warm-up).
public struct MasterStableInvariant: Invariant {
    public let id = "master-stable"
    public let meaning = "the master survives every fault and its fd count and RSS stay flat"
    public init() {}

    public func check(_ h: History) -> Verdict {
        var v: [String] = []
        let intended = h.faults.contains { $0.kind == .masterKill && $0.applied }
        if !intended, let gone = h.samples.first(where: { !$0.masterAlive }),
           gone.time < (h.shutdown?.sentAt ?? UInt64.max) {
            v.append("master pid=\(h.info.masterPid) died at \(h.t(gone.time)) before any stop signal")
        }
        let s = h.supervisedSamples.filter { $0.masterFDs != nil && $0.masterRSSKB != nil }
        guard s.count >= 10 else {
            if !v.isEmpty { return .judge(id, violations: v, pass: "", fail: "master died") }
            return Verdict(id: id, status: .skip, summary: "fewer than 10 samples of the master's fds and RSS")
        }
        let fifth = s.count / 5
        let early = Array(s[fifth..<(2 * fifth)]), late = Array(s[(s.count - fifth)...])
        let fd0 = median(early.map { $0.masterFDs! }), fd1 = median(late.map { $0.masterFDs! })
        let rss0 = median(early.map { $0.masterRSSKB! }), rss1 = median(late.map { $0.masterRSSKB! })
        if fd1 - fd0 > h.info.limits.fdGrowth {
            v.append("master fds grew \(fd0) -> \(fd1) between \(h.t(early[0].time)) and \(h.t(late.last!.time))")
        }
        if rss1 - rss0 > h.info.limits.rssGrowthKB {
            v.append("master RSS grew \(rss0) -> \(rss1) KiB between \(h.t(early[0].time)) and \(h.t(late.last!.time))")
        }
        return .judge(id, violations: v, pass: "fds \(fd0) -> \(fd1), RSS \(rss0) -> \(rss1) KiB",
                      fail: "master unstable",
                      metrics: ["fd_start": Double(fd0), "fd_end": Double(fd1),
                                "rss_start_kb": Double(rss0), "rss_end_kb": Double(rss1)])
    }

    private func median(_ xs: [Int]) -> Int { xs.sorted()[xs.count / 2] }
}

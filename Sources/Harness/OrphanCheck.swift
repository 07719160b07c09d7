/// Judges what is left of a daemon's workers after its master died (pure).
public enum OrphanCheck {
    /// Violations: a former worker (same pid AND start time, so a recycled pid
    /// is not blamed) that `observed` (a /proc scan taken after the allowed
    /// delay) still shows alive, i.e. not a zombie. Its parent is named: an
    /// orphan adopted by the runner (a subreaper) has ppid == `runner`.
    public static func violations(workers: [ProcessEntry], observed: [ProcessEntry], runner: Int32) -> [String] {
        struct Key: Hashable { var pid: Int32; var start: UInt64 }
        let former = Set(workers.map { Key(pid: $0.pid, start: $0.startTime) })
        var messages: [String] = []
        for e in observed where former.contains(Key(pid: e.pid, start: e.startTime)) && !e.isZombie {
            let parent = e.ppid == runner ? "adopted by the runner (pid \(runner))" : "ppid=\(e.ppid)"
            messages.append("worker pid=\(e.pid) comm=\(e.comm) still alive in state \(e.state), \(parent)")
        }
        return messages
    }
}

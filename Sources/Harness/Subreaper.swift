import Glibc

/// PR_SET_CHILD_SUBREAPER for the runner: orphaned grandchildren (a daemon's
/// workers after the master died) are re-parented to us, so /proc shows them
/// as our children and we can reap them, by pid.
public enum Subreaper {
    /// Makes this process a child subreaper.
    public static func enable() throws {
        try Sys.becomeSubreaper()
    }

    /// Our children found in /proc that are not in `excluding` (the ones we
    /// spawned ourselves): the adopted orphans.
    /// `matching` narrows further (e.g. by process group) when other code in
    /// this process spawns children of its own.
    public static func orphans(excluding: Set<Int32>,
                               matching: (ProcessEntry) -> Bool = { _ in true }) -> [ProcessEntry] {
        ProcFS.children(of: getpid()).filter { !excluding.contains($0.pid) && matching($0) }
    }

    /// Reaps every adopted orphan that has exited: waitpid BY PID with WNOHANG
    /// for each child in /proc not in `excluding` (never waitpid(-1), which
    /// would steal statuses from SpawnedProcess). Returns the reaped pids.
    @discardableResult
    public static func reapOrphans(excluding: Set<Int32>,
                                   matching: (ProcessEntry) -> Bool = { _ in true }) -> [Int32] {
        var reaped: [Int32] = []
        for child in orphans(excluding: excluding, matching: matching) {
            if (try? Sys.reap(child.pid)) != nil { reaped.append(child.pid) }
        }
        return reaped
    }

    /// SIGKILLs every adopted orphan (pid + start time checked), then reaps
    /// them by pid for up to `timeout` seconds. Returns the reaped pids.
    @discardableResult
    public static func killOrphans(excluding: Set<Int32>, timeout: Double = 2,
                                   matching: (ProcessEntry) -> Bool = { _ in true }) -> [Int32] {
        let targets = orphans(excluding: excluding, matching: matching)
        for t in targets where !t.isZombie {
            _ = SafeSignal.send(SIGKILL, to: t.pid, expectedStartTime: t.startTime)
        }
        var reaped: Set<Int32> = []
        let pids = Set(targets.map(\.pid))
        waitUntil(timeout: timeout) {
            for pid in pids.subtracting(reaped) {
                if (try? Sys.reap(pid)) != nil { reaped.insert(pid) }
            }
            return reaped.count == pids.count
        }
        return reaped.sorted()
    }
}

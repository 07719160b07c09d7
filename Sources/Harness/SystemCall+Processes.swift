import CShims
import Glibc

/// The suite's process calls beyond `kill` and `reap`: process groups,
/// liveness, resource limits (its own and a worker's) and the subreaper bit.
extension Sys {
    /// kill(2) of the process group `pgid` (kill(-pgid)): true when delivered
    /// to at least one member (false: the group is empty, or not ours).
    public static func killGroup(_ pgid: Int32, _ signo: Int32) -> Bool {
        precondition(pgid > 1, "killGroup(\(pgid)): not a process group")
        return Glibc.kill(-pgid, signo) == 0
    }

    /// True while a process `pid` exists (kill(pid, 0): ESRCH means gone;
    /// EPERM means it exists under another uid). Zombies count as existing.
    public static func processExists(_ pid: Int32) -> Bool {
        precondition(pid > 0, "processExists(\(pid)): not one process")
        return Glibc.kill(pid, 0) == 0 || Glibc.errno != ESRCH
    }

    /// Our own RLIMIT_NOFILE (soft, hard).
    public static func descriptorLimit() throws(SystemCallError) -> rlimit {
        var r = rlimit()
        _ = try retrying("getrlimit(RLIMIT_NOFILE)") { getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) }
        return r
    }

    /// Sets our own RLIMIT_NOFILE.
    public static func setDescriptorLimit(_ limit: rlimit) throws(SystemCallError) {
        var r = limit
        _ = try retrying("setrlimit(RLIMIT_NOFILE)") { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) }
    }

    /// Raises our soft RLIMIT_NOFILE to `wanted` (at most the hard limit);
    /// nothing when it is that high already.
    public static func raiseDescriptorLimit(to wanted: rlim_t = .max) throws(SystemCallError) {
        var r = try descriptorLimit()
        let target = min(wanted, r.rlim_max)
        guard r.rlim_cur < target else { return }
        r.rlim_cur = target
        try setDescriptorLimit(r)
    }

    /// prlimit(2) on another process's RLIMIT_NOFILE: sets (soft, hard) when
    /// given, and returns the limits it had. ESRCH (gone) and EPERM throw.
    @discardableResult
    public static func descriptorLimit(of pid: Int32, setting new: (soft: UInt64, hard: UInt64)? = nil)
        throws(SystemCallError) -> (soft: UInt64, hard: UInt64)
    {
        var soft: UInt64 = 0, hard: UInt64 = 0
        let newSoft = new.map { Int64(bitPattern: $0.soft) } ?? -1
        let newHard = new.map { Int64(bitPattern: $0.hard) } ?? -1
        _ = try retrying("prlimit(\(pid), RLIMIT_NOFILE)") { cshim_prlimit_nofile(pid, newSoft, newHard, &soft, &hard) }
        return (soft, hard)
    }

    /// prctl(PR_SET_CHILD_SUBREAPER, 1).
    public static func becomeSubreaper() throws(SystemCallError) {
        _ = try retrying("prctl(PR_SET_CHILD_SUBREAPER)") { cshim_set_child_subreaper(1) }
    }

    /// pthread_sigmask(SIG_BLOCK) of `signals` in the calling thread (threads
    /// started afterwards inherit it); the set, for sigwait. Cannot fail with
    /// SIG_BLOCK and a valid set.
    @discardableResult
    public static func blockSignals(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signo in signals { sigaddset(&set, signo) }
        let rc = pthread_sigmask(SIG_BLOCK, &set, nil)
        precondition(rc == 0, "pthread_sigmask(SIG_BLOCK): \(rc)")
        return set
    }
}

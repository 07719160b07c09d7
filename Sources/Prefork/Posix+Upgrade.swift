@preconcurrency import Glibc

/// The few calls only the upgrade and socket activation make, through the
/// same door as every other syscall (EINTR retried, errno + call name).
extension Posix {
    static func setCloseOnExec(_ fd: Int32) throws(PosixError) {
        let flags = try retrying("fcntl(F_GETFD)") { fcntl(fd, F_GETFD) }
        _ = try retrying("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Whether `fd` is an open descriptor (fcntl F_GETFD; EBADF: it is not).
    static func isOpen(_ fd: Int32) -> Bool {
        fcntl(fd, F_GETFD) >= 0
    }

    /// kill(2) of a whole process group: true when delivered to any member.
    /// A group with no member left (ESRCH) is a fact, false.
    @discardableResult
    static func killGroup(_ pgid: pid_t, _ signo: Int32) -> Bool {
        precondition(pgid > 1, "killGroup(\(pgid)): not a process group")
        guard Glibc.kill(-pgid, signo) != 0 else { return true }
        assert(Glibc.errno != EINVAL, "kill(-\(pgid), \(signo)): EINVAL")
        return false
    }

    /// setpgid(2): moves `pid` (0 = ourselves; else a child that has not
    /// exec'd) into process group `pgid` of our session.
    static func setProcessGroup(_ pid: pid_t, _ pgid: pid_t) throws(PosixError) {
        _ = try retrying("setpgid(\(pid), \(pgid))") { setpgid(pid, pgid) }
    }

    /// shutdown(SHUT_RDWR) of a listening socket: it stops listening for
    /// every holder. Only the planted defect `upgrade-shutdown-listener` does it.
    static func shutdownListener(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}

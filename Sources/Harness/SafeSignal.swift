import CShims
import Glibc

/// Signals a process identified by (pid, start time), so a recycled pid is never hit.
public enum SafeSignal {
    /// Sends `signo` to `pid` only if /proc still shows the start time
    /// `expectedStartTime`. Uses pidfd_open + pidfd_send_signal: the start time
    /// is re-checked after the pidfd pins the process, so the pid cannot be
    /// recycled between check and send. Falls back to kill(2) without pidfd
    /// support. Returns true if the signal was delivered.
    public static func send(_ signo: Int32, to pid: Int32, expectedStartTime: UInt64) -> Bool {
        guard pid > 0, ProcFS.entry(pid)?.startTime == expectedStartTime else { return false }
        let pidfd: Int32
        do {
            guard let fd = try Sys.pidfdOpen(pid) else { return false }  // gone already
            pidfd = fd
        } catch {
            guard error.errno == ENOSYS else { return false }
            return Sys.kill(pid, signo)  // no pidfds here: the start time check above is all we have
        }
        defer { Sys.close(pidfd) }
        guard ProcFS.entry(pid)?.startTime == expectedStartTime else { return false }
        return Sys.pidfdSignal(pidfd, signo)
    }
}

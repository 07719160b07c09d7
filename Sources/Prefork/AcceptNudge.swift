@preconcurrency import Glibc
import CShims

/// Hands a stranded connection to another worker.
///
/// With EPOLLEXCLUSIVE the kernel wakes one idle worker per arriving
/// connection. If that worker then stops accepting (its lifetime budget or
/// --worker-connections is reached, or it drains) while connections are still
/// queued, no other worker is woken for them until the next connection
/// arrives: they would wait for seconds. So a worker that stops accepting
/// with a non-empty backlog writes to this eventfd, which every worker
/// watches edge-triggered: each wakes once and, if it is accepting, drains
/// the backlog. It costs nothing on the common path (no write, no wakeup).
struct AcceptNudge {
    /// Made by the master before the first fork; shared by every worker.
    let fd: Int32

    static func make() throws(PosixError) -> AcceptNudge {
        AcceptNudge(fd: try Posix.eventfd())
    }

    /// Wakes every worker's loop once. Best effort: a failure (only EBADF is
    /// possible, a bug) leaves the backlog to the next arriving connection.
    func wakeOthers() {
        do { try Posix.signalEventfd(fd) } catch { assertionFailure("\(error)") }
    }

    /// True when `listener` has a connection queued (poll, no wait). A poll
    /// that fails says nothing is known to be queued.
    static func backlogPending(_ listener: Int32) -> Bool {
        (try? Posix.isReadable(listener)) ?? false
    }
}

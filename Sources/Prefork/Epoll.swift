@preconcurrency import Glibc
import CShims

/// A worker's epoll instance. Level-triggered (except the nudge and the
/// one-shot backlog watch): a descriptor that still has work is reported
/// again, so no wakeup is ever lost.
final class Epoll {
    static let readable = cshim_epollin()
    static let writable = cshim_epollout()
    static let hangup = cshim_epollhup() | cshim_epollerr()
    static let peerClosed = cshim_epollrdhup()
    /// Wake one waiter per connection, not every worker (no thundering herd).
    static let exclusive = cshim_epollexclusive()
    /// One event per change (the nudge eventfd is never read).
    static let edgeTriggered = cshim_epollet()
    /// One event, then disarmed until `modify` re-arms it (the backlog watch).
    static let oneShot = cshim_epolloneshot()

    let fd: Int32
    private var readyFDs = [Int32](repeating: 0, count: 256)
    private var readyEvents = [UInt32](repeating: 0, count: 256)

    init() throws(PosixError) {
        fd = try Posix.epollCreate()
    }

    func add(_ target: Int32, _ events: UInt32) throws(PosixError) {
        try Posix.epollAdd(fd, target, events)
    }

    func modify(_ target: Int32, _ events: UInt32) throws(PosixError) {
        try Posix.epollModify(fd, target, events)
    }

    /// Not in the set is fine (see Posix.epollRemove).
    func remove(_ target: Int32) {
        Posix.epollRemove(fd, target)
    }

    /// Waits up to `timeoutMs` and calls `body` for each ready descriptor.
    func wait(timeoutMs: Int32, _ body: (Int32, UInt32) -> Void) throws(PosixError) {
        let epoll = fd
        let count = try readyFDs.withUnsafeMutableBufferPointer { fds throws(PosixError) in
            try readyEvents.withUnsafeMutableBufferPointer { events throws(PosixError) in
                try Posix.epollWait(epoll, fds, events, timeoutMs: timeoutMs)
            }
        }
        for i in 0..<count { body(readyFDs[i], readyEvents[i]) }
    }

    func close() { Posix.close(fd) }
}

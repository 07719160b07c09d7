import Harness
import CCurl
import CCurlShim
import Glibc

/// Drives a multi handle with libcurl's socket API and one epoll set:
/// libcurl tells us which sockets to watch (socket callback) and when to
/// call back (timer callback); we wake only for ready sockets. Cheaper per
/// request than curl_multi_perform + curl_multi_poll, which rescan every
/// handle and every descriptor on each turn.
final class MultiEvents {
    let multi: UnsafeMutableRawPointer
    private let epfd: Int32
    /// libcurl's requested timeout: -1 none, else ms from `timerSetAt`.
    private var timerMs = -1
    private var timerSetAt: UInt64 = 0
    /// Per descriptor: libcurl currently wants it watched. REMOVE only clears
    /// this (lazy): a keep-alive socket is removed and re-added around every
    /// request, and EPOLL_CTL_DEL + ADD each time cost ~10% of the loop's CPU.
    /// A ready event on an unwanted descriptor deletes it from the set then.
    private var wanted = [Bool](repeating: false, count: 1024)
    private var fds = [Int32](repeating: 0, count: 64)
    private var masks = [Int32](repeating: 0, count: 64)

    init(multi: UnsafeMutableRawPointer) {
        self.multi = multi
        epfd = ccurl_epoll_create()
        precondition(epfd >= 0, "epoll_create1 failed: errno \(errno)")
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_socket_callback(multi, Self.socketCallback)
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = ccurl_multi_setopt_timer_callback(multi, Self.timerCallback)
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
    }

    deinit { Sys.close(epfd) }

    /// Milliseconds until libcurl's timer fires (-1: no timer).
    func timerDue(now: UInt64) -> Int {
        guard timerMs >= 0 else { return -1 }
        let elapsed = Int((now &- timerSetAt) / 1_000_000)
        return max(0, timerMs - elapsed)
    }

    /// Waits at most `maxWaitMs` for sockets or libcurl's timer, then lets
    /// libcurl act on what is ready.
    func turn(maxWaitMs: Int) {
        let due = timerDue(now: monotonicNow())
        let wait = due < 0 ? maxWaitMs : min(due, maxWaitMs)
        var running: Int32 = 0
        let n = ccurl_epoll_wait(epfd, &fds, &masks, Int32(fds.count), Int32(wait))
        // EINTR is 0 in the shim; anything else (EBADF, EINVAL) is a bug of this loop, not the server's doing.
        precondition(n >= 0, "epoll_wait failed: errno \(errno)")
        for i in 0..<Int(n) {
            let fd = fds[i]
            guard Int(fd) < wanted.count, wanted[Int(fd)] else {
                _ = ccurl_epoll_watch(epfd, fd, CURL_POLL_REMOVE)
                continue
            }
            _ = curl_multi_socket_action(multi, fd, masks[i], &running)
        }
        if timerMs >= 0 && timerDue(now: monotonicNow()) == 0 {
            timerMs = -1
            _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        }
    }

    /// Runs libcurl's due work right away (after adding handles).
    func kick() {
        var running: Int32 = 0
        timerMs = -1
        _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
    }

    private func watch(_ fd: Int32, what: Int32) {
        let index = Int(fd)
        guard index >= 0 else { return }
        if index >= wanted.count { wanted += [Bool](repeating: false, count: index + 1 - wanted.count + 1024) }
        if what == CURL_POLL_REMOVE {
            wanted[index] = false   // stays in the epoll set until it fires or is closed
            return
        }
        wanted[index] = true
        _ = ccurl_epoll_watch(epfd, fd, what)   // MOD, or ADD for a new descriptor
    }

    private static let socketCallback: curl_socket_callback = { _, fd, what, user, _ in
        guard let user else { return 0 }
        Unmanaged<MultiEvents>.fromOpaque(user).takeUnretainedValue().watch(fd, what: what)
        return 0
    }

    private static let timerCallback: curl_multi_timer_callback = { _, ms, user in
        guard let user else { return 0 }
        let me = Unmanaged<MultiEvents>.fromOpaque(user).takeUnretainedValue()
        me.timerMs = ms
        me.timerSetAt = monotonicNow()
        return 0
    }
}

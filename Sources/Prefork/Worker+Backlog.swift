/// While paused, the listener stays in the epoll set as a non-exclusive
/// one-shot (ListenerState.paused): it wakes this worker once when a
/// connection is queued, and takes no exclusive wakeup away from the workers
/// that can accept.
///
/// Making room for a connection that waits in the backlog while this worker
/// is paused: it closes its idle keep-alive connections, as nginx reuses
/// keep-alive connections when it runs out of them (ngx_drain_connections).
///
/// Why: a worker stops accepting when it has no room, because every unit of
/// its lifetime budget is promised to an open connection, or because
/// --worker-connections is reached. An idle keep-alive connection keeps its
/// unit until its client comes back or the keep-alive timeout passes. When
/// every worker is paused that way, a fresh connection waits in the backlog
/// for the whole keep-alive timeout; a client pool that parks connections
/// (libcurl's) made fresh connects time out that way in the churn test.
///
/// Closing an idle keep-alive connection is safe: no request is under way on
/// it, and a request that crosses our FIN meets the linger, a clean EOF that
/// clients retry on (RFC 9112 9.3.1, 9.8).
extension Worker {
    /// How long a queued connection waits before a paused worker makes room
    /// for it (an accepting worker normally takes it within microseconds),
    /// and how long a keep-alive connection must have been idle to be closed.
    static let backlogGrace: Duration = .milliseconds(20)

    /// The watch fired: look again once the grace is over.
    func backlogSeen(now: Instant) {
        let at = now + Self.backlogGrace
        backlogCheckAt = at
        if at < nextTimerCheck { nextTimerCheck = at }
    }

    /// The grace is over: if a connection still waits, close the idle
    /// keep-alive connections (their units return, so accepting resumes).
    /// While still paused, re-arm the watch.
    func checkBacklog(now: Instant) {
        guard let at = backlogCheckAt, at <= now else { return }
        backlogCheckAt = nil
        guard listener == .paused else { return }
        if AcceptNudge.backlogPending(setup.listenerFD) {
            for case let connection? in connections where connection.isReclaimable(now: now, idleFor: Self.backlogGrace) {
                close(connection)
            }
        }
        if listener == .paused { rearmBacklogWatch() }
    }
}

extension Connection {
    /// An answered connection that has waited for its next request at least
    /// `idleFor`. A connection never answered is not: its client's first
    /// request may be on the way, and a fresh connection closed before any
    /// response is a failure clients do not retry.
    func isReclaimable(now: Instant, idleFor: Duration) -> Bool {
        isIdle && responses > 0 && phaseSince + idleFor <= now
    }
}

extension Worker {
    /// The one-shot watch fired and was disarmed: arm it again.
    func rearmBacklogWatch() {
        do {
            try epoll.modify(setup.listenerFD, Epoll.readable | Epoll.oneShot)
        } catch {
            log.error("listener_watch_failed", metadata: ["error": "\(error)"])
            beginDrain(reason: "listener_watch_failed")
        }
    }
}

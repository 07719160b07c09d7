/// accept4 out of a resource: EMFILE (this worker's RLIMIT_NOFILE), ENFILE
/// (the system's file table), ENOBUFS or ENOMEM.
///
/// Why: the queued connection stays queued, and the level-triggered listener
/// reports it again at once; a worker that simply tried again spun at 100%
/// CPU (12,400 epoll_wait + accept4 pairs a second, measured) and served
/// nobody. As nginx does (ngx_event_accept: "accept() failed ... disable
/// accept for 500 ms"), the worker stops polling the listener for a while,
/// logs the failure once per episode, and frees a descriptor by closing its
/// longest-idle keep-alive connection (ngx_drain_connections). The backlog
/// stays in the kernel for the other workers meanwhile.
extension Worker {
    func acceptFailed(_ error: PosixError, now: Instant) {
        scoreboard.increment(.acceptErrors)
        if !acceptErrorEpisode {
            acceptErrorEpisode = true
            log.error("accept_failed", metadata: [
                "errno": "\(Posix.errnoName(error.errno))", "error": "\(error)",
                "connections": "\(liveConnections)", "retry_ms": "\(Int(knobs.acceptBackoff.milliseconds))",
            ])
        }
        guard knobs.acceptBackoff > .zero else { return }  // retried at once: the busy spin
        backOffAccepting(until: now + knobs.acceptBackoff)  // ends in endAcceptBackoff (Worker+Listener)
        closeLongestIdle(now: now)
    }

    /// Closes the answered keep-alive connection that has waited longest for
    /// its next request (gracefully, by FIN and linger: a request crossing
    /// the close sees an EOF its client retries).
    private func closeLongestIdle(now: Instant) {
        var oldest: Connection?
        for case let connection? in connections where connection.isReclaimable(now: now, idleFor: .zero) {
            if oldest.map({ connection.phaseSince < $0.phaseSince }) ?? true { oldest = connection }
        }
        if let oldest { close(oldest) }
    }
}

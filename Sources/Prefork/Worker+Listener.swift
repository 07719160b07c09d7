@preconcurrency import Glibc

/// A worker's relation to the shared listening socket: one state (after Go's
/// net/http `ConnState`) instead of flags that had to agree.
///
/// ```
///   accepting ──no room──▶ paused ──room again──▶ accepting
///   accepting ──accept4 out of a resource──▶ backingOff ──delay over──▶ accepting (or paused)
///   any ──drain (TERM, master gone, lifetime spent)──▶ closed   (terminal)
/// ```
///
/// - `accepting`: in the epoll set, `EPOLLEXCLUSIVE`, level-triggered.
/// - `paused`: no room (every lifetime unit claimed, or --worker-connections
///   reached); the listener is a one-shot, non-exclusive backlog watch
///   (Worker+Backlog) so a connection left waiting is noticed.
/// - `backingOff`: accept4 failed with EMFILE/ENFILE/ENOBUFS/ENOMEM; out of
///   the epoll set until then (Worker+AcceptErrors).
/// - `closed`: the worker drains; its descriptor of the socket is closed and
///   queued connections stay in the kernel's backlog for the others.
enum ListenerState: Equatable {
    case accepting
    case paused
    case backingOff(until: Instant)
    case closed
}

extension Worker {
    /// Room for one more connection: under --worker-connections, and, with a
    /// lifetime, more units left than connections that claim one
    /// (Worker+UnitClaims), so every accepted connection that may need a unit
    /// can be answered at least once (a connection accepted and then closed
    /// unanswered would fail on a fresh connect, which clients do not retry).
    var canAccept: Bool {
        guard !draining, servingConnections < setup.config.workerConnections else { return false }
        return budget.remaining.map { $0 > claimingConnections } ?? true
    }

    /// The listener is readable: accept, or (paused) note the waiting backlog.
    func listenerEvent() {
        switch listener {
        case .accepting: acceptConnections(drain: false)
        case .paused: backlogSeen(now: .now())
        case .backingOff, .closed: break  // a readiness reported before the state changed
        }
    }

    /// Accepts one connection per listener event, as nginx without
    /// multi_accept: the listener is level-triggered in our epoll set, so a
    /// deeper backlog is reported again on the next wait, and a lone
    /// connection costs no accept4 that fails with EAGAIN. A worker that
    /// stops accepting with connections still queued hands them off
    /// (`handOffBacklog`, the nudge); a nudged worker (`drain`) takes all it
    /// can, because the listener may not be on its ready list.
    func acceptConnections(drain: Bool) {
        while canAccept, let fd = acceptOne() {
            open(fd.fd, peer: fd.peer, readNow: false)
            if !drain { break }
        }
        if !canAccept { pauseAccepting() }
    }

    /// Before a stop closes our descriptor of the listener, take what is
    /// already queued (as much as there is room for). Why: when the last
    /// descriptor of a listening socket closes, the kernel resets every
    /// connection still in its accept queue, and those clients have sent
    /// their requests already (TCP_DEFER_ACCEPT: only connections with data
    /// are queued). A loaded CI run lost 8, sent 180 ms before SIGTERM while
    /// the workers were being replaced. Read at once: `beginDrain` closes a
    /// connection that has received nothing. What arrives after the last
    /// worker's sweep is still reset; that window is the sweep's length.
    func acceptQueuedBeforeClosing() {
        guard listener == .accepting else { return }  // paused: no room; backing off: accept fails
        while canAccept, let fd = acceptOne() {
            open(fd.fd, peer: fd.peer, readNow: true)
        }
    }

    /// One accept4: the new descriptor, nil when the queue is empty or
    /// accept failed (handled: `acceptFailed` backs off).
    private func acceptOne() -> (fd: Int32, peer: PeerAddress?)? {
        var storage = sockaddr_storage()
        let peer = readsPeer
        let listenerFD = setup.listenerFD
        do {
            let result = try withUnsafeMutablePointer(to: &storage) { p throws(PosixError) in
                try Posix.accept(listenerFD, peer: peer ? p : nil)
            }
            guard let fd = result else { return nil }
            acceptErrorEpisode = false
            return (fd, peer ? PeerAddress.of(storage) : nil)
        } catch {
            acceptFailed(error, now: .now())
            return nil
        }
    }

    /// With EPOLLEXCLUSIVE the kernel wakes the first idle waiter on the
    /// socket's wait queue, so the same idle worker would take every new
    /// connection. Re-registering moves this worker to the back of the queue.
    /// A worker does it when its last connection closes: sequential clients
    /// then rotate over the idle workers (their lifetimes wear evenly, as with
    /// the seed's blocking accept; `curl` twice shows two pids).
    ///
    /// Not on accept: under load, connections are better kept together. On 2
    /// cores shared with the client, wrk's 16 keep-alive connections on one
    /// worker gave 85-103k req/s with p99 0.3-0.6 ms; spread over three or
    /// four, 49-66k and 2-4 ms: more runnable workers contend for the cores.
    /// A busy worker is skipped by the exclusive wakeup anyway, so load still
    /// spreads once one worker cannot keep up. At most every `requeueNanos`
    /// (the first time always): under Connection: close load a worker goes
    /// idle after nearly every request, and the DEL + ADD pair after each cost
    /// about 5% of its CPU.
    func requeueWhenIdle() {
        guard liveConnections == 0, listener == .accepting else { return }
        let now = Instant.now()
        if let last = lastRequeue, now < last.after(Self.requeueNanos) { return }
        lastRequeue = now
        watchListener(Epoll.readable | Epoll.exclusive)
    }

    /// accepting → paused: no room. The backlog watch replaces the exclusive
    /// registration, and connections still queued are handed to the others.
    func pauseAccepting() {
        guard listener == .accepting else { return }
        listener = .paused
        watchListener(Epoll.readable | Epoll.oneShot)  // Worker+Backlog
        handOffBacklog()
    }

    /// paused → accepting, once there is room again.
    func resumeAccepting() {
        guard listener == .paused, canAccept else { return }
        listener = .accepting
        watchListener(Epoll.readable | Epoll.exclusive)
    }

    /// accepting → backingOff: out of the epoll set until `until`.
    func backOffAccepting(until: Instant) {
        guard listener == .accepting else { return }
        listener = .backingOff(until: until)
        if until < nextTimerCheck { nextTimerCheck = until }
        epoll.remove(setup.listenerFD)
        handOffBacklog()
    }

    /// backingOff → accepting (or paused, if there is no room by now).
    func endAcceptBackoff(now: Instant) {
        guard case .backingOff(let until) = listener, until <= now else { return }
        listener = .accepting
        watchListener(Epoll.readable | Epoll.exclusive)
        if !canAccept { pauseAccepting() }
    }

    /// any → closed, for good: queued connections stay in the shared backlog
    /// for the other workers.
    func closeListener() {
        guard listener != .closed else { return }
        listener = .closed
        epoll.remove(setup.listenerFD)  // registered to accept, or as the backlog watch
        handOffBacklog()
        Posix.close(setup.listenerFD)
    }

    /// We stop accepting: if connections are still queued, wake the others
    /// (EPOLLEXCLUSIVE woke only us for them).
    func handOffBacklog() {
        if AcceptNudge.backlogPending(setup.listenerFD) { setup.nudge.wakeOthers() }
    }

    /// (Re)registers the listener with `events` (DEL + ADD: also moves this
    /// worker to the back of the socket's wait queue). A failure here would
    /// leave the worker deaf to new connections while it looks healthy: it
    /// is logged, and the worker drains so the master replaces it.
    private func watchListener(_ events: UInt32) {
        epoll.remove(setup.listenerFD)
        do {
            try epoll.add(setup.listenerFD, events)
        } catch {
            log.error("listener_watch_failed", metadata: ["error": "\(error)"])
            beginDrain(reason: "listener_watch_failed")
        }
    }
}

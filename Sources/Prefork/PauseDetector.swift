/// Notices that the master itself did not run: a frozen process group or
/// cgroup, a paused VM or container, a debugger, or CPU starvation.
///
/// Why: heartbeats are judged on CLOCK_MONOTONIC, which keeps running while a
/// stopped group cannot beat. Without this, a group frozen for longer than
/// `--timeout` comes back to a master that kills healthy workers as hung on
/// its first turn (seen: 1 to 3 workers in 9 of 12 trials). The measure is
/// the master's own loop: a wait that ended later than it asked, by more
/// than the threshold, was a pause, and the whole time since the master last
/// ran is not held against any worker (WorkerTable.masterResumed). A single
/// worker stopped while the master runs is still judged on time.
struct PauseDetector {
    /// An overshoot beyond this is a pause: a quarter of the timeout, the
    /// heartbeat check's own interval, so a pause can never push a healthy
    /// worker (which beats at least every timeout / 2) past the timeout.
    let threshold: Duration
    /// When the master last ran, and when its current wait should end at the
    /// latest (nil: no deadline, so no overshoot can be measured).
    private var waitStart: Instant?
    private var latestWake: Instant?

    init(timeout: Duration) {
        threshold = max(timeout / 4, .milliseconds(50))
    }

    /// The master is about to wait up to `timeoutMs` (-1 = no deadline).
    mutating func willWait(now: Instant, timeoutMs: Int32) {
        waitStart = now
        latestWake = timeoutMs < 0 ? nil : now + .milliseconds(Int64(timeoutMs))
    }

    /// The master runs at `now`: the time since it last ran, when it ran
    /// later than it could have by more than the threshold (a wait that
    /// overshot its timeout, or a turn that took that long because the
    /// process was stopped in the middle of it); nil otherwise. From here the
    /// master counts as running: the next check, unless a wait comes first,
    /// expects no gap at all. Checked after each wait and again right before
    /// heartbeats are judged: a freeze that lands between the two (seen once
    /// in a 60 s chaos run: 4 healthy workers killed 0.01 s after SIGCONT)
    /// shows up at the second check.
    mutating func check(now: Instant) -> Duration? {
        defer { waitStart = now; latestWake = now }
        guard let waitStart, let latestWake, now.since(latestWake) > threshold else { return nil }
        return now.since(waitStart)
    }
}

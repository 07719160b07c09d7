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

    /// After the wait: the time since the master last ran, when it woke later
    /// than asked by more than the threshold; nil otherwise.
    func pause(now: Instant) -> Duration? {
        guard let waitStart, let latestWake, now.since(latestWake) > threshold else { return nil }
        return now.since(waitStart)
    }
}

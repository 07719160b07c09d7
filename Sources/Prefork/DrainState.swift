/// What the master must do for a stop signal (DrainState decides, Master performs).
enum DrainAction: Equatable {
    /// A stop has begun: `/__health` turns 503 (scoreboard), systemd hears
    /// STOPPING=1, an upgrade in progress is stopped (so no hand-over lands
    /// in the delay). `delay`: how long the workers keep serving first
    /// (logged as `drain_started`); nil for QUIT, which has no drain.
    case announce(signal: Signal, delay: Duration?)
    /// Stop the workers as a stop signal always did (WorkerTable.stop):
    /// graceful (close the listener, TERM, KILL after --graceful-timeout) or
    /// immediate (KILL).
    case stop(signal: Signal, graceful: Bool)
}

/// The master's answer to INT/TERM/HUP/QUIT as plain data: with
/// `--drain-delay`, a graceful stop first reports draining on `/__health`
/// for that long while every worker keeps serving (keep-alive too), so a
/// load balancer or a Kubernetes Service stops sending here before the
/// listener closes. No syscalls, so the delay, a second signal during it and
/// QUIT are unit tested without forking.
struct DrainState: Equatable {
    enum Phase: Equatable {
        /// No stop signal yet.
        case serving
        /// Draining reported, workers still serving until `until`.
        case delaying(signal: Signal, until: Instant)
        /// The workers were told to stop (WorkerTable decides from here).
        case stopping
    }

    /// `--drain-delay`; zero stops the workers at once, as before.
    let delay: Duration
    private(set) var phase: Phase = .serving

    init(delay: Duration) {
        self.delay = delay
    }

    /// True from the first stop signal on.
    var hasBegun: Bool { phase != .serving }

    /// INT, TERM, HUP or QUIT. `stopping`: the workers are already stopping
    /// without us (an upgrade's hand-over, a boot failure): the signal goes
    /// straight to the WorkerTable, which makes a second one immediate.
    /// `ready`: the ready line went out. Before it no balancer sends us
    /// anything (and an upgrade's new master told to stop must not linger
    /// until the old one KILLs it), so there is no delay.
    mutating func signalled(_ signal: Signal, now: Instant, stopping: Bool, ready: Bool = true) -> [DrainAction] {
        let graceful = signal != .quit
        switch phase {
        case .serving where !graceful || delay <= .zero || stopping || !ready:
            phase = .stopping
            return [.announce(signal: signal, delay: graceful && !stopping ? .zero : nil), .stop(signal: signal, graceful: graceful)]
        case .serving:
            phase = .delaying(signal: signal, until: now + delay)
            return [.announce(signal: signal, delay: delay)]
        case .delaying:
            // A second signal during the delay stops at once, as a second one
            // while draining always did.
            phase = .stopping
            return [.stop(signal: signal, graceful: false)]
        case .stopping:
            return [.stop(signal: signal, graceful: graceful)]
        }
    }

    /// The delay is over: the graceful stop starts.
    mutating func tick(now: Instant) -> [DrainAction] {
        guard case .delaying(let signal, let until) = phase, now >= until else { return [] }
        phase = .stopping
        return [.stop(signal: signal, graceful: true)]
    }

    /// When the master must wake for the delay's end.
    func nextDeadline() -> Instant? {
        if case .delaying(_, let until) = phase { return until }
        return nil
    }
}

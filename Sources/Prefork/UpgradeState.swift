@preconcurrency import Glibc

/// Why an upgrade was rolled back, as logged (`upgrade_failed reason=`):
/// `exit:N`, `signal:N` (the new master ended before it was ready),
/// `timeout` (not ready within `--upgrade-timeout`), `fork:errno`.
enum UpgradeFailure: Equatable, CustomStringConvertible {
    case ended(TerminationStatus)
    case timeout
    case forkFailed(errno: Int32)

    var description: String {
        switch self {
        case .ended(let status): return status.description
        case .timeout: return "timeout"
        case .forkFailed(let code): return "fork:\(code)"
        }
    }
}

/// What the upgrade side noticed; the master logs each.
enum UpgradeEvent: Equatable {
    case started(newPid: pid_t)
    case ready(newPid: pid_t, handover: Duration)
    case failed(UpgradeFailure)
    case ignored(reason: String)
}

/// What the master must do for an upgrade (UpgradeState decides, Master performs).
enum UpgradeAction: Equatable {
    /// fork + exec the new master with the listener and a readiness pipe.
    case launch
    /// SIGKILL the new master's process group (it and everything it started).
    case killGeneration(pid: pid_t)
    /// Send a signal to the new master only (it stops its own workers).
    case signalMaster(pid: pid_t, signo: Int32)
    /// The new master is serving: drain our workers like a graceful stop and
    /// exit 0, leaving the pid file and the socket to it.
    case handOver
    case event(UpgradeEvent)
}

/// The old master's side of a USR2 upgrade as plain data: one new master at
/// a time, its deadline, its outcome. No syscalls, so rollback, timeouts and
/// signals during an upgrade are unit tested without forking.
struct UpgradeState: Equatable {
    enum Phase: Equatable {
        case idle
        /// A `.launch` was returned; `launched` or `launchFailed` follows.
        case launching(since: Instant)
        /// The new master runs and is not ready yet.
        case inProgress(pid: pid_t, since: Instant, deadline: Instant)
        /// Ready: we drain and exit; it is still our child until then.
        case handedOver(pid: pid_t)
        /// We stopped (or killed) it and wait to reap it; KILL at the deadline.
        case abandoning(pid: pid_t, deadline: Instant?)
    }

    /// `--upgrade-timeout`.
    let timeout: Duration
    /// How long a new master told to stop may take before it is killed.
    let stopGrace: Duration
    /// Test-only planted defect: failures and hangs are not rolled back.
    var rollback = true
    private(set) var phase: Phase = .idle
    private(set) var lastFailure: UpgradeFailure?

    init(timeout: Duration, stopGrace: Duration) {
        self.timeout = timeout
        self.stopGrace = stopGrace
    }

    /// The new master's pid while one exists that we must still reap before
    /// exiting (not after hand-over: then it outlives us by design).
    var pendingChild: pid_t? {
        switch phase {
        case .inProgress(let pid, _, _), .abandoning(let pid, _): return pid
        case .idle, .launching, .handedOver: return nil
        }
    }

    /// The new master being started (for /__status), nil when none.
    var inProgressPid: pid_t? {
        if case .inProgress(let pid, _, _) = phase { return pid }
        return nil
    }

    /// USR2. `stopping`: the master is already stopping (no upgrade then).
    mutating func requested(now: Instant, stopping: Bool) -> [UpgradeAction] {
        guard !stopping else { return [.event(.ignored(reason: "stopping"))] }
        guard phase == .idle else { return [.event(.ignored(reason: "in_progress"))] }
        phase = .launching(since: now)
        return [.launch]
    }

    /// The fork succeeded.
    mutating func launched(pid: pid_t, now: Instant) -> [UpgradeAction] {
        guard case .launching(let since) = phase else { return [] }
        phase = .inProgress(pid: pid, since: since, deadline: since + timeout)
        return [.event(.started(newPid: pid))]
    }

    /// The fork failed: nothing to kill, nothing changes.
    mutating func launchFailed(errno code: Int32) -> [UpgradeAction] {
        phase = .idle
        lastFailure = .forkFailed(errno: code)
        return [.event(.failed(.forkFailed(errno: code)))]
    }

    /// The new master said it is ready (pid file, ready line and systemd done).
    mutating func readyReported(now: Instant) -> [UpgradeAction] {
        guard case .inProgress(let pid, let since, _) = phase else { return [] }
        phase = .handedOver(pid: pid)
        return [.event(.ready(newPid: pid, handover: now.since(since))), .handOver]
    }

    /// A child was reaped. nil: not the new master (the WorkerTable's business).
    mutating func exited(pid: pid_t, status: TerminationStatus) -> [UpgradeAction]? {
        switch phase {
        case .inProgress(let current, _, _) where current == pid:
            phase = .idle
            lastFailure = .ended(status)
            // Its group may still hold workers or a script's children.
            let kill: [UpgradeAction] = rollback ? [.killGeneration(pid: pid)] : []
            return kill + [.event(.failed(.ended(status)))]
        case .abandoning(let current, _) where current == pid:
            phase = .idle
            return [.killGeneration(pid: pid)]  // whatever it left behind in its group
        case .handedOver(let current) where current == pid:
            return []  // it stopped after taking over; we are on our way out anyway
        default:
            return nil
        }
    }

    /// INT/TERM/HUP (graceful) or QUIT while an upgrade runs: the new master
    /// stops too (TERM, KILL after `stopGrace`), so both generations end.
    /// After hand-over the new master is the server: it is left alone.
    mutating func stop(graceful: Bool, now: Instant) -> [UpgradeAction] {
        switch phase {
        case .inProgress(let pid, _, _):
            if graceful {
                phase = .abandoning(pid: pid, deadline: now + stopGrace)
                return [.signalMaster(pid: pid, signo: SIGTERM)]
            }
            phase = .abandoning(pid: pid, deadline: nil)
            return [.killGeneration(pid: pid)]
        case .abandoning(let pid, let deadline) where deadline != nil && !graceful:
            phase = .abandoning(pid: pid, deadline: nil)
            return [.killGeneration(pid: pid)]
        case .idle, .launching, .handedOver, .abandoning:
            return []
        }
    }

    /// The periodic decision: roll back a new master that is late, KILL one
    /// that ignored TERM.
    mutating func tick(now: Instant) -> [UpgradeAction] {
        switch phase {
        case .inProgress(let pid, _, let deadline) where now >= deadline && rollback:
            phase = .abandoning(pid: pid, deadline: nil)
            lastFailure = .timeout
            return [.killGeneration(pid: pid), .event(.failed(.timeout))]
        case .abandoning(let pid, let deadline?) where now >= deadline:
            phase = .abandoning(pid: pid, deadline: nil)
            return [.killGeneration(pid: pid)]
        default:
            return []
        }
    }

    /// When the master must next look for this upgrade's sake.
    func nextDeadline() -> Instant? {
        switch phase {
        case .inProgress(_, _, let deadline) where rollback: return deadline
        case .abandoning(_, let deadline): return deadline
        default: return nil
        }
    }
}

@preconcurrency import Glibc
import CShims
import Logging

/// The supervising process (after unicorn's `join`): single threaded, no work
/// in signal context. Each turn waits on the signalfd until the next deadline,
/// applies what happened, asks the WorkerTable what to do, and does it.
final class Master {
    private let config: Configuration
    private let log: Logger
    private let eventLog: EventLog
    private let accessLog: AccessLog?
    private let scoreboard: Scoreboard
    private let signals: SignalSource
    private let listener: Listener
    private let spawner: WorkerSpawner
    /// USR2: this master's upgrade to a new one (see Upgrade.swift).
    private let upgrader: Upgrader
    /// Set when this master was started by an upgrade: told once ready.
    private let handover: UpgradeHandover?
    private let pidFile: PidFile?
    private var table: WorkerTable
    /// INT/TERM/HUP/QUIT: `--drain-delay`, then the stop (see DrainState.swift).
    private var drain: DrainState
    private var readiness: Readiness?
    /// systemd's notify socket, kept past the ready line for STOPPING=1
    /// (`readiness` is gone by then).
    private let systemd: SystemdNotifier?
    private var exitCode: Int32?
    /// A worker failed to boot before the first ready: exit non-zero.
    private var startupFailed = false
    /// nil without a heartbeat timeout (nothing to protect).
    private var pauses: PauseDetector?
    private let logs: LogBackPressure
    private var loopErrors = LoopErrors()
    /// The loop lost a descriptor it cannot work without: exit non-zero.
    private var loopFailed = false

    init(config: Configuration, eventLog: EventLog, accessLog: AccessLog?, scoreboard: Scoreboard, signals: SignalSource,
         listener: Listener, spawner: WorkerSpawner, readiness: Readiness, upgrader: Upgrader,
         handover: UpgradeHandover?, pidFile: PidFile?) {
        self.config = config
        self.eventLog = eventLog
        self.accessLog = accessLog
        self.log = eventLog.logger(label: "preforkd.master")
        self.scoreboard = scoreboard
        self.signals = signals
        self.listener = listener
        self.spawner = spawner
        self.readiness = readiness
        self.systemd = readiness.notifier
        self.upgrader = upgrader
        self.handover = handover
        self.pidFile = pidFile
        self.logs = LogBackPressure(eventLog: eventLog, accessLog: nil)  // the master writes no access lines
        var policy = SupervisorPolicy(workers: config.workers, timeout: config.timeout,
                                      gracefulTimeout: config.gracefulTimeout)
        policy.maxWorkers = scoreboard.capacity
        let knobs = config.knobs
        if !knobs.killsStaleWorkers { policy.timeout = nil }
        policy.refillsAfterReady = knobs.refillsAfterReady
        self.table = WorkerTable(policy: policy)
        self.drain = DrainState(delay: config.drainDelay)
        if let timeout = policy.timeout, knobs.forgivesMasterPauses { pauses = PauseDetector(timeout: timeout) }
    }

    /// Runs until every worker is gone after a stop; returns the exit status.
    func run() -> Int32 {
        while exitCode == nil || upgrader.mustWait {  // never leave a starting new master behind
            waitForEvents()
            for signal in pendingSignals() { handle(signal) }
            reapChildren()
            noticePause()  // again: a pause inside this turn must not count against heartbeats either
            perform(drain.tick(now: .now()))  // the drain delay is over: stop gracefully
            perform(table.tick(now: .now(), heartbeat: { self.scoreboard.heartbeat(slot: $0) }))
            upgrader.tick(now: .now())
            announceIfReady()
            logs.turn(log: log)
        }
        let code = startupFailed || loopFailed ? 1 : exitCode!
        log.info("master_exited", metadata: ["status": "exit:\(code)"])
        return code
    }

    private func handle(_ signal: Signal) {
        let now = Instant.now()
        switch signal {
        case .int, .term, .hup, .quit:
            perform(drain.signalled(signal, now: now, stopping: table.isStopping, ready: readiness == nil))
        case .usr2:
            upgrader.requested(now: now, stopping: table.isStopping || drain.hasBegun)
        case .ttin:
            perform(table.resize(by: 1, now: now))
        case .ttou:
            perform(table.resize(by: -1, now: now))
        case .usr1:
            // Both, even if the first fails.
            let failures = [eventLog.reopen(), accessLog?.reopen()].compactMap { $0 }
            log.info("log_reopened", metadata: failures.first.map { ["error": "\($0)"] } ?? [:])
            perform(table.forward(SIGUSR1))
        case .chld:
            break  // reaped every turn, below
        }
    }

    /// waitpid(-1, WNOHANG) until nothing is left: every dead child is
    /// collected in the turn it is noticed, so no zombie outlives a turn.
    private func reapChildren() {
        guard config.knobs.reapsChildren else { return }
        while true {
            let reaped: (pid: pid_t, status: Int32)?
            do { reaped = try Posix.reapAny() } catch {
                // Only EINVAL (a bug) is possible: nothing to reap this turn; the next turn tries again.
                loopErrors.report(error, action: "retry_next_turn", log: log)
                return
            }
            guard let (pid, status) = reaped else { return }
            let now = Instant.now()
            if upgrader.reaped(pid: pid, status: TerminationStatus(waitStatus: status)) { continue }
            if let slot = table.slot(of: pid) { scoreboard.recordExit(slot: slot) }
            perform(table.exited(pid: pid, status: TerminationStatus(waitStatus: status), now: now))
        }
    }

    private func perform(_ actions: [SupervisorAction]) {
        for action in actions {
            switch action {
            case .spawn(let slot, let generation):
                spawn(slot: slot, generation: generation)
            case .signal(let pid, let signo):
                Posix.kill(pid, signo)
            case .closeListener:
                listener.close()
            case .event(let event):
                record(event)
            case .exit(let code):
                exitCode = code
            }
        }
    }

    private func perform(_ actions: [DrainAction]) {
        for action in actions {
            let now = Instant.now()
            switch action {
            case .announce(let signal, let delay):
                scoreboard.markDraining()  // /__health: 503 from now on
                systemd?.send("STOPPING=1")
                // An upgrade in progress stops now: no hand-over lands in the delay.
                upgrader.stop(graceful: signal != .quit, now: now)
                if let delay {
                    log.notice("drain_started", metadata: ["signal": "\(signal.name)", "delay_ms": "\(Int(delay.milliseconds))"])
                }
            case .stop(let signal, let graceful):
                let mode = graceful && !table.isStopping ? "graceful" : "immediate"
                log.notice("shutdown_started", metadata: ["signal": "\(signal.name)", "mode": "\(mode)"])
                upgrader.stop(graceful: graceful, now: now)
                perform(table.stop(graceful: graceful, now: now))
            }
        }
    }

    private func spawn(slot: Int, generation: Int) {
        let now = Instant.now()
        switch spawner.spawn(slot: slot, generation: generation, now: now) {
        case .success(let pid):
            table.spawned(slot: slot, pid: pid, now: now)
            scoreboard.increment(.spawned)
            log.info("worker_spawned", metadata: ["pid": "\(pid)", "slot": "\(slot)", "generation": "\(generation)"])
        case .failure(let error):
            log.error("spawn_failed", metadata: ["slot": "\(slot)", "error": "\(error)"])
            perform(table.spawnFailed(slot: slot, now: now))
        }
    }

    /// Announces readiness once, when every desired slot has a booted worker.
    /// Before that, a worker that cannot boot is a startup error.
    private func announceIfReady() {
        guard let pending = readiness, !table.isStopping, !drain.hasBegun else { return }
        let slots = table.slots.prefix(table.desired)
        let allUp = slots.indices.allSatisfy { slots[$0].worker != nil && scoreboard.state(slot: $0) == .ready }
        guard allUp else { return }
        readiness = nil
        table.markReady()
        if let handover { takeOver(handover) }
        pending.ready(pid: getpid(), url: listener.url, workers: table.desired)
        log.info("master_ready", metadata: ["url": "\(listener.url)", "workers": "\(table.desired)"])
        if let handover { tellOldMaster(handover) }
    }

    private func waitForEvents() {
        let now = Instant.now()
        var timeoutMs: Int32 = -1
        if let deadline = table.nextDeadline(now: now) { timeoutMs = Self.milliseconds(until: deadline, from: now) }
        if readiness != nil { timeoutMs = Self.capped(timeoutMs, 5) }  // booting: watch the scoreboard
        if logs.needsTurn { timeoutMs = Self.capped(timeoutMs, LogBackPressure.retryMs) }  // lines wait: retry soon
        for deadline in [upgrader.nextDeadline(), drain.nextDeadline()].compactMap({ $0 }) {
            // upgrade timeout, KILL of a new master told to stop, end of the drain delay
            timeoutMs = Self.capped(timeoutMs, Self.milliseconds(until: deadline, from: now))
        }
        var fds = [pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0)]
        if let pipe = upgrader.pipeFD { fds.append(pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)) }
        pauses?.willWait(now: now, timeoutMs: timeoutMs)
        do {
            _ = try Posix.poll(&fds, timeoutMs: timeoutMs)
        } catch {
            // EFAULT/EINVAL/ENOMEM: the turn goes on without waiting; a short
            // sleep keeps a persistent failure from spinning the CPU.
            loopErrors.report(error, action: "sleep_10ms", log: log)
            Posix.sleep(milliseconds: 10)
        }
        noticePause()
        if fds.count > 1 && fds[1].revents != 0 && upgrader.pipeReadable(now: .now()) { handOver() }
    }

    /// The signals read this turn. A signalfd that fails (EBADF, EINVAL: a
    /// bug) leaves the master deaf to INT/TERM for good: it stops at once
    /// (workers KILLed and reaped) and exits 1 rather than supervise forever
    /// beyond the operator's reach.
    private func pendingSignals() -> [Signal] {
        do {
            return try signals.drain()
        } catch {
            loopErrors.report(error, action: "immediate_stop", log: log)
            loopFailed = true
            perform(table.stop(graceful: false, now: .now()))
            return []
        }
    }

    /// A poll timeout that reaches `deadline` (rounded up: waking early spins).
    private static func milliseconds(until deadline: Instant, from now: Instant) -> Int32 {
        Int32(clamping: (deadline.since(now).nanosecondsClamped + 999_999) / 1_000_000)
    }

    /// A poll timeout no longer than `cap` (-1 = none yet).
    private static func capped(_ timeoutMs: Int32, _ cap: Int32) -> Int32 { timeoutMs < 0 ? cap : min(timeoutMs, cap) }

    /// The master did not run for longer than the timeout (see PauseDetector):
    /// every worker gets a fresh grace before its heartbeat is judged.
    private func noticePause() {
        let now = Instant.now()
        guard let gap = pauses?.check(now: now) else { return }
        table.masterResumed(now: now, paused: gap)
        log.warning("master_resumed", metadata: ["gap_ms": "\(Int(gap.milliseconds))"])
    }

    private func record(_ event: SupervisorEvent) {
        switch event {
        case .workerExited(let pid, let slot, let status, let reason, let lived):
            scoreboard.increment(Self.counter(for: reason))
            log.log(level: reason == .retired || reason == .stopped ? .info : .warning, "worker_exited", metadata: [
                "pid": "\(pid)", "slot": "\(slot)", "status": "\(status)", "reason": "\(reason.rawValue)",
                "lived_ms": "\(Int(lived.milliseconds))",
            ])
            if reason == .bootFailed, let pending = readiness {
                readiness = nil
                pending.failed(StartupError("worker in slot \(slot) failed to boot (exit \(WorkerExit.bootFailed)); see the log"))
                startupFailed = true
                perform(table.stop(graceful: false, now: .now()))
            }
        case .backoff(let slot, let delay, let failures):
            scoreboard.increment(.backoff)
            log.warning("backoff", metadata: ["slot": "\(slot)", "delay_ms": "\(Int(delay.milliseconds))", "failures": "\(failures)"])
        case .killedByTimeout(let pid, let slot, let age):
            log.warning("worker_timeout", metadata: ["pid": "\(pid)", "slot": "\(slot)", "heartbeat_age_ms": "\(Int(age.milliseconds))"])
        case .shutdownEscalated(let remaining):
            log.warning("shutdown_escalated", metadata: ["remaining": "\(remaining)"])
        case .resized(let workers):
            log.notice("workers_resized", metadata: ["workers": "\(workers)"])
        case .unknownChild(let pid, let status):
            log.info("unknown_child_reaped", metadata: ["pid": "\(pid)", "status": "\(status)"])
        }
    }

    // MARK: - Upgrade (USR2): the decisions are UpgradeState's

    /// The old master: the new one serves. Drain like a graceful stop, but
    /// without STOPPING=1 (systemd already has the new MAINPID) and without
    /// touching the pid file (it names the new master now).
    private func handOver() {
        if config.knobs.shutsDownListenerOnHandover {
            Posix.shutdownListener(listener.fd)  // planted defect only: stops the socket for both generations
        }
        log.notice("shutdown_started", metadata: ["signal": "USR2", "mode": "handover"])
        scoreboard.markDraining()  // /__health: 503 from our workers, 200 from the new generation's
        perform(table.stop(graceful: true, now: .now()))
    }

    /// The new master, all workers up: join the old master's process group
    /// and take the pid file (atomically), before the ready line.
    private func takeOver(_ handover: UpgradeHandover) {
        if let error = handover.joinGroup(workers: table.liveWorkers.map(\.worker.pid)) {
            log.warning("upgrade_group_join_failed", metadata: ["error": "\(error)"])
        }
        do { try pidFile?.write(pid: getpid()) } catch {
            log.error("pid_file_failed", metadata: ["error": "\(error)"])
        }
    }

    private func tellOldMaster(_ handover: UpgradeHandover) {
        do { try handover.tell(pid: getpid()) } catch {
            log.error("upgrade_notify_failed", metadata: ["error": "\(error)"])
        }
    }

    static func counter(for reason: ExitReason) -> Scoreboard.Counter {
        switch reason {
        case .retired: return .retired
        case .stopped: return .stopped
        case .crashed: return .crashed
        case .killedByTimeout: return .killedByTimeout
        case .bootFailed: return .bootFailed
        }
    }
}

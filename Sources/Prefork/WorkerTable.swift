@preconcurrency import Glibc

/// Why a worker left, as logged (`reason=`) and counted. The raw values are a
/// contract: log readers and the suite match on them.
enum ExitReason: String, Sendable {
    case retired, stopped, crashed
    case killedByTimeout = "killed_by_timeout"
    case bootFailed = "boot_failed"
}

/// What the supervisor noticed; the master logs each and counts it on the scoreboard.
enum SupervisorEvent: Equatable {
    case workerExited(pid: pid_t, slot: Int, status: TerminationStatus, reason: ExitReason, lived: Duration)
    case backoff(slot: Int, delay: Duration, failures: Int)
    case killedByTimeout(pid: pid_t, slot: Int, heartbeatAge: Duration)
    case shutdownEscalated(remaining: Int)
    case resized(workers: Int)
    case unknownChild(pid: pid_t, status: TerminationStatus)
}

/// What the master must do. WorkerTable decides, Master performs (after
/// swift-service-lifecycle's state machines): no syscall happens in here.
enum SupervisorAction: Equatable {
    case spawn(slot: Int, generation: Int)
    case signal(pid: pid_t, signo: Int32)
    case closeListener
    case event(SupervisorEvent)
    case exit(code: Int32)
}

/// The knobs WorkerTable decides with.
struct SupervisorPolicy: Equatable {
    var workers: Int
    var maxWorkers: Int = 1024
    /// Heartbeat timeout; nil disables the stuck-worker check.
    var timeout: Duration?
    var gracefulTimeout: Duration
    /// A worker that dies abnormally sooner than this after its spawn counts
    /// toward the crash-loop backoff; one that lives this long resets it.
    var crashWindow: Duration = .seconds(1)
    var backoffInitial: Duration = .milliseconds(10)
    var backoffMax: Duration = .seconds(5)
    /// Empty slots are refilled after the ready line too (always, but for
    /// the planted `no-respawn` defect).
    var refillsAfterReady = true
}

/// The master's process table as plain data (after nginx's ngx_processes):
/// fixed slots 0..<workers, each holding at most one live worker and a
/// generation that grows with every spawn. A value type with no syscalls, so
/// respawn, backoff, lifetime, timeouts and shutdown escalation are unit
/// tested without forking.
struct WorkerTable {
    enum Phase: Equatable {
        case running
        case draining(deadline: Instant)
        case halting
        case finished
    }

    /// A live worker process as the table knows it (named so as not to shadow
    /// the `Worker` class, which is the process itself).
    struct Child: Equatable {
        var pid: pid_t
        var spawnedAt: Instant
        /// We sent it TERM (shutdown or TTOU) or KILL (escalation): its exit is a stop.
        var stopRequested = false
        var killedForTimeout = false
    }

    struct Slot: Equatable {
        var generation = 0
        var worker: Child?
        /// While backing off: not before this instant. nil = respawn at once.
        var respawnAt: Instant?
        /// Consecutive crash-loop deaths; drives the exponential delay.
        var failures = 0
        /// Set between a spawn action and `spawned(slot:pid:)`.
        var spawning = false
    }

    private(set) var policy: SupervisorPolicy
    private(set) var slots: [Slot]
    private(set) var phase: Phase = .running
    private(set) var listenerOpen = true
    /// The worker count the operator asked for (TTIN/TTOU move it).
    private(set) var desired: Int
    /// The ready line is out (see `SupervisorPolicy.refillsAfterReady`).
    private(set) var isReady = false
    /// The master's own recent pauses (PauseDetector): a heartbeat older than
    /// a pause's end is judged without that pause's length, because nobody in
    /// a frozen group could beat while the clock ran. The last few suffice: a
    /// worker that beats (every timeout / 2 at most) leaves them behind.
    private(set) var pauses: [(resumedAt: Instant, length: Duration)] = []
    static let pausesKept = 8

    init(policy: SupervisorPolicy) {
        self.policy = policy
        self.desired = policy.workers
        self.slots = Array(repeating: Slot(), count: policy.workers)
    }

    var liveWorkers: [(slot: Int, worker: Child)] {
        slots.indices.compactMap { i in slots[i].worker.map { (i, $0) } }
    }
    var liveCount: Int { slots.reduce(0) { $0 + ($1.worker == nil ? 0 : 1) } }
    var isStopping: Bool { phase != .running }

    func slot(of pid: pid_t) -> Int? {
        slots.firstIndex { $0.worker?.pid == pid }
    }

    // MARK: - Inputs

    /// The master forked `pid` for `slot` (after a `.spawn` action for it).
    mutating func spawned(slot: Int, pid: pid_t, now: Instant) {
        assert(slots.indices.contains(slot) && slots[slot].spawning, "spawned(slot: \(slot)): no spawn was asked for it")
        assert(slots[slot].worker == nil, "spawned(slot: \(slot)): the slot already has pid \(slots[slot].worker!.pid)")
        slots[slot].spawning = false
        slots[slot].worker = Child(pid: pid, spawnedAt: now)
    }

    /// fork() failed: treat it like a crash at boot, so a resource shortage
    /// backs off instead of spinning.
    mutating func spawnFailed(slot: Int, now: Instant) -> [SupervisorAction] {
        assert(slots.indices.contains(slot) && slots[slot].spawning, "spawnFailed(slot: \(slot)): no spawn was asked for it")
        slots[slot].spawning = false
        return backOff(slot: slot, now: now)
    }

    /// The ready line went out.
    mutating func markReady() {
        isReady = true
    }

    /// A child was reaped.
    mutating func exited(pid: pid_t, status: TerminationStatus, now: Instant) -> [SupervisorAction] {
        guard let index = slot(of: pid), let worker = slots[index].worker else {
            return [.event(.unknownChild(pid: pid, status: status))]
        }
        slots[index].worker = nil
        let lived = now.since(worker.spawnedAt)
        let reason = Self.reason(for: worker, status: status)
        var actions: [SupervisorAction] = [
            .event(.workerExited(pid: pid, slot: index, status: status, reason: reason, lived: lived))
        ]
        let abnormal = reason == .crashed || reason == .killedByTimeout
        if reason == .bootFailed || (abnormal && lived < policy.crashWindow) {
            actions += backOff(slot: index, now: now)
        } else if lived >= policy.crashWindow || reason == .retired {
            // Healthy: it lived a while, or it served its whole lifetime (a
            // busy worker can retire in milliseconds; that is no crash loop).
            slots[index].failures = 0
        }
        trimRetiredSlots()
        return actions + refill(now: now) + finishIfDone()
    }

    /// INT/TERM/HUP (graceful) or QUIT (immediate). A second graceful request
    /// while draining turns into an immediate stop.
    mutating func stop(graceful: Bool, now: Instant) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        if listenerOpen {
            listenerOpen = false
            actions.append(.closeListener)
        }
        switch phase {
        case .running where graceful:
            phase = .draining(deadline: now + policy.gracefulTimeout)
            actions += signalLive(SIGTERM)
        case .running, .draining, .halting:
            // Immediate, or a second request while draining; KILL again is harmless.
            phase = .halting
            actions += signalLive(SIGKILL)
        case .finished:
            break
        }
        return actions + finishIfDone()
    }

    /// The master did not run for `paused` up to `now` (its own wait overshot
    /// its deadline; see PauseDetector). Workers frozen with it could not beat
    /// meanwhile, so that time is not held against their heartbeats. A worker
    /// stopped while the master runs is still judged on time.
    mutating func masterResumed(now: Instant, paused: Duration) {
        pauses.append((now, paused))
        if pauses.count > Self.pausesKept { pauses.removeFirst() }
    }

    /// How old a heartbeat is, less the part of each of the master's pauses
    /// that came after it.
    func heartbeatAge(_ lastSign: Instant, now: Instant) -> Duration {
        var age = now.since(lastSign)
        for pause in pauses where pause.resumedAt > lastSign {
            let start = pause.resumedAt + (.zero - pause.length)
            let overlap = pause.resumedAt.since(max(start, lastSign))
            age = age > overlap ? age - overlap : .zero
        }
        return age
    }

    /// TTIN (+1) / TTOU (-1). Never below one worker, never above maxWorkers.
    mutating func resize(by delta: Int, now: Instant) -> [SupervisorAction] {
        switch phase {
        case .running: break
        case .draining, .halting, .finished: return []  // stopping: the count no longer matters
        }
        let target = min(max(desired + delta, 1), policy.maxWorkers)
        guard target != desired else { return [] }
        var actions: [SupervisorAction] = []
        if target < desired {
            for index in target..<desired {
                slots[index].respawnAt = nil
                if let worker = slots[index].worker, !worker.stopRequested {
                    slots[index].worker?.stopRequested = true
                    actions.append(.signal(pid: worker.pid, signo: SIGTERM))
                }
            }
        }
        desired = target
        while slots.count < desired { slots.append(Slot()) }
        trimRetiredSlots()
        return [.event(.resized(workers: desired))] + actions + refill(now: now)
    }

    /// The periodic decision: refill empty slots whose time has come, kill
    /// workers whose heartbeat is too old, escalate an overdue drain, finish.
    /// `heartbeat(slot)` is the slot's last beat from the scoreboard.
    mutating func tick(now: Instant, heartbeat: (Int) -> Instant?) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        switch phase {
        case .running:
            actions += killStuck(now: now, heartbeat: heartbeat)
            actions += refill(now: now)
        case .draining(let deadline) where now >= deadline:
            phase = .halting
            actions.append(.event(.shutdownEscalated(remaining: liveCount)))
            actions += signalLive(SIGKILL)
        case .draining, .halting, .finished:
            break
        }
        return actions + finishIfDone()
    }

    /// When the master must next look, even if no signal arrives.
    func nextDeadline(now: Instant) -> Instant? {
        var candidates: [Instant] = []
        switch phase {
        case .running:
            candidates += slots.prefix(desired).compactMap(\.respawnAt)
            if let timeout = policy.timeout, liveCount > 0 {
                // Check at a quarter of the timeout: a stuck worker is caught
                // within 1.25 x timeout at worst.
                candidates.append(now + max(timeout / 4, .milliseconds(5)))
            }
        case .draining(let deadline):
            candidates.append(deadline)
        case .halting, .finished:
            break
        }
        return candidates.min()
    }

    /// Workers to forward a signal to (USR1: reopen logs).
    func forward(_ signo: Int32) -> [SupervisorAction] {
        liveWorkers.map { .signal(pid: $0.worker.pid, signo: signo) }
    }

    // MARK: - Decisions

    static func reason(for worker: Child, status: TerminationStatus) -> ExitReason {
        if worker.killedForTimeout { return .killedByTimeout }
        switch status {
        case .exited(0): return worker.stopRequested ? .stopped : .retired
        case .exited(WorkerExit.bootFailed): return .bootFailed
        case .signaled(SIGKILL) where worker.stopRequested, .signaled(SIGTERM) where worker.stopRequested:
            return .stopped
        default: return .crashed
        }
    }

    /// The respawn decision, in one condition: while running, every slot below
    /// the desired count that has no worker (and none on the way) gets one as
    /// soon as its backoff, if any, has passed.
    private mutating func refill(now: Instant) -> [SupervisorAction] {
        switch phase {
        case .running where !isReady || policy.refillsAfterReady: break
        case .running, .draining, .halting, .finished: return []
        }
        var actions: [SupervisorAction] = []
        for index in 0..<desired {
            let slot = slots[index]
            let due = slot.worker == nil && !slot.spawning && (slot.respawnAt ?? now) <= now
            guard due else { continue }
            slots[index].respawnAt = nil
            slots[index].spawning = true
            slots[index].generation += 1
            actions.append(.spawn(slot: index, generation: slots[index].generation))
        }
        return actions
    }

    private mutating func backOff(slot index: Int, now: Instant) -> [SupervisorAction] {
        slots[index].failures += 1
        let exponent = min(slots[index].failures - 1, 20)
        let delay = min(policy.backoffInitial * (1 << exponent), policy.backoffMax)
        slots[index].respawnAt = now + delay
        return [.event(.backoff(slot: index, delay: delay, failures: slots[index].failures))]
    }

    private mutating func killStuck(now: Instant, heartbeat: (Int) -> Instant?) -> [SupervisorAction] {
        guard let timeout = policy.timeout else { return [] }
        var actions: [SupervisorAction] = []
        for index in slots.indices {
            guard let worker = slots[index].worker, !worker.killedForTimeout else { continue }
            let lastSign = max(heartbeat(index) ?? worker.spawnedAt, worker.spawnedAt)
            let age = heartbeatAge(lastSign, now: now)
            guard age > timeout else { continue }
            slots[index].worker?.killedForTimeout = true
            actions.append(.event(.killedByTimeout(pid: worker.pid, slot: index, heartbeatAge: age)))
            actions.append(.signal(pid: worker.pid, signo: SIGKILL))
        }
        return actions
    }

    private mutating func signalLive(_ signo: Int32) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        for index in slots.indices {
            guard let worker = slots[index].worker else { continue }
            slots[index].worker?.stopRequested = true
            actions.append(.signal(pid: worker.pid, signo: signo))
        }
        return actions
    }

    private mutating func finishIfDone() -> [SupervisorAction] {
        guard phase == .halting || isDrainingPhase, liveCount == 0 else { return [] }
        phase = .finished
        return [.exit(code: 0)]
    }

    private var isDrainingPhase: Bool {
        if case .draining = phase { return true }
        return false
    }

    /// Slots above the desired count disappear once their worker is gone.
    private mutating func trimRetiredSlots() {
        while slots.count > desired, let last = slots.last, last.worker == nil, !last.spawning {
            slots.removeLast()
        }
    }
}

/// Worker exit statuses, a contract with the master (and documented in the README).
public enum WorkerExit {
    /// Retired after its lifetime, or stopped on TERM.
    public static let ok: Int32 = 0
    /// Could not boot (handler setup failed): the master backs off.
    public static let bootFailed: Int32 = 3
}

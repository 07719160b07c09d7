@preconcurrency import Glibc
import Atomics

/// Shared memory between the master and its workers: an anonymous MAP_SHARED
/// mapping made before the first fork, so every worker sees the same words.
/// Each word has one writer (the master for pid/generation/state, the slot's
/// worker for served/heartbeat, counters via atomic add), and readers never
/// block: no locks cross a process boundary.
final class Scoreboard: @unchecked Sendable {
    /// Global counters, in header order (atomic adds, any process). Raw
    /// values index the header words.
    enum Counter: Int, CaseIterable, Sendable {
        case spawned, retired, stopped, crashed, killedByTimeout, bootFailed, backoff
        case responses1xx, responses2xx, responses3xx, responses4xx, responses5xx
        /// Log lines dropped because their destination could not take them (AppendFile).
        case logLinesDroppedEvent, logLinesDroppedAccess
        /// accept4 failures other than an empty queue (EMFILE, ENFILE, ENOMEM...).
        case acceptErrors

        /// The name on /__status and in logs.
        var name: String {
            switch self {
            case .logLinesDroppedEvent: return "log_lines_dropped_event"
            case .logLinesDroppedAccess: return "log_lines_dropped_access"
            case .acceptErrors: return "accept_errors"
            case .killedByTimeout: return "killed_by_timeout"
            case .bootFailed: return "boot_failed"
            default: return String(describing: self)
            }
        }
    }

    /// Header words that are facts, not counters (stored, never added to).
    /// Raw values index the header words, after the counters.
    enum Field: Int, CaseIterable, Sendable {
        /// 1 once this master's stop (INT/TERM/HUP/QUIT, also during
        /// `--drain-delay`) or an upgrade's hand-over has begun: `/__health`
        /// says 503. The master writes it, workers read it per request.
        case draining = 23
        /// 1 while `/__fault/boot-fail?on=1` is in force.
        case bootFailFlag = 24
        case masterPid, startedAt
        /// Wall-clock start (Unix seconds) and the upgrade state for
        /// /__status: the new master's pid while in progress; the last
        /// failure as kind (1 exit, 2 signal, 3 timeout, 4 fork), its code
        /// and when (Unix seconds). Words 27-31: the header is full.
        case masterStartedWall, upgradePid, upgradeFailureKind, upgradeFailureCode, upgradeFailedAt
    }

    /// A slot's lifecycle as the scoreboard shows it.
    enum SlotState: Int, Sendable {
        case empty = 0, starting, ready, draining

        var name: String { String(describing: self) }
    }

    enum SlotField: Int, CaseIterable {
        case pid, generation, served, heartbeat, state, spawnedAt
    }

    static let headerWords = 32
    static let slotWords = 8

    /// How many slots exist (the ceiling for TTIN).
    let capacity: Int
    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    /// Maps the shared region. Call before forking any worker.
    init(capacity: Int) throws(PosixError) {
        // A header word past the header would be slot 0's pid.
        precondition(Field.allCases.allSatisfy { $0.rawValue < Self.headerWords }
                     && Counter.allCases.allSatisfy { $0.rawValue < Field.draining.rawValue })
        self.capacity = capacity
        byteCount = (Self.headerWords + capacity * Self.slotWords) * MemoryLayout<Int>.stride
        let region = try Posix.mapShared(byteCount)
        region.initializeMemory(as: Int.AtomicRepresentation.self, repeating: .init(0),
                                count: byteCount / MemoryLayout<Int>.stride)
        base = region
    }

    deinit { Posix.unmap(base, byteCount) }

    @inline(__always)
    private func word(_ index: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (base + index * MemoryLayout<Int>.stride)
            .assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }

    @inline(__always)
    private func word(slot: Int, _ field: SlotField) -> UnsafeAtomic<Int> {
        word(Self.headerWords + slot * Self.slotWords + field.rawValue)
    }

    // MARK: - Counters

    subscript(counter: Counter) -> Int {
        word(counter.rawValue).load(ordering: .relaxed)
    }

    subscript(field: Field) -> Int {
        get { word(field.rawValue).load(ordering: .relaxed) }
        set { word(field.rawValue).store(newValue, ordering: .relaxed) }
    }

    /// Master: this generation stops serving soon (`/__health` turns 503).
    /// Released so a worker that sees it also sees what the master did before.
    func markDraining() {
        word(Field.draining.rawValue).store(1, ordering: .releasing)
    }

    /// Any worker, per `/__health`: one load, no allocation.
    @inline(__always)
    var isDraining: Bool { word(Field.draining.rawValue).load(ordering: .acquiring) != 0 }

    func increment(_ counter: Counter, by amount: Int = 1) {
        word(counter.rawValue).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    /// Counts a response by status class (1xx...5xx).
    @inline(__always)
    func countResponse(status: Int) {
        let cls = min(max(status / 100, 1), 5)
        word(Counter.responses1xx.rawValue + cls - 1).wrappingIncrement(ordering: .relaxed)
    }

    // MARK: - Slots

    /// A consistent-enough copy of one slot for the status page.
    struct SlotSnapshot: Sendable {
        var slot: Int
        var pid: Int
        var generation: Int
        var served: Int
        var heartbeat: Instant
        var state: SlotState
        var spawnedAt: Instant
    }

    func snapshot(slot: Int) -> SlotSnapshot {
        SlotSnapshot(
            slot: slot,
            pid: word(slot: slot, .pid).load(ordering: .relaxed),
            generation: word(slot: slot, .generation).load(ordering: .relaxed),
            served: word(slot: slot, .served).load(ordering: .relaxed),
            heartbeat: Instant(nanoseconds: UInt64(bitPattern: Int64(word(slot: slot, .heartbeat).load(ordering: .relaxed)))),
            state: SlotState(rawValue: word(slot: slot, .state).load(ordering: .acquiring)) ?? .empty,
            spawnedAt: Instant(nanoseconds: UInt64(bitPattern: Int64(word(slot: slot, .spawnedAt).load(ordering: .relaxed))))
        )
    }

    /// Master, just before fork: the slot's new generation starts. Written
    /// before the child exists, so the child's `ready` can never be overwritten.
    func prepareSpawn(slot: Int, generation: Int, at now: Instant) {
        word(slot: slot, .pid).store(0, ordering: .relaxed)
        word(slot: slot, .generation).store(generation, ordering: .relaxed)
        word(slot: slot, .served).store(0, ordering: .relaxed)
        word(slot: slot, .spawnedAt).store(Int(truncatingIfNeeded: now.nanoseconds), ordering: .relaxed)
        word(slot: slot, .heartbeat).store(Int(truncatingIfNeeded: now.nanoseconds), ordering: .relaxed)
        word(slot: slot, .state).store(SlotState.starting.rawValue, ordering: .releasing)
    }

    /// Master, after fork: the slot's worker pid.
    func recordPid(slot: Int, pid: pid_t) {
        word(slot: slot, .pid).store(Int(pid), ordering: .relaxed)
    }

    /// Master: the slot's worker was reaped.
    func recordExit(slot: Int) {
        word(slot: slot, .state).store(SlotState.empty.rawValue, ordering: .releasing)
        word(slot: slot, .pid).store(0, ordering: .relaxed)
    }

    /// Worker: its own state (ready after boot, draining when it stops accepting).
    func setState(slot: Int, _ state: SlotState) {
        word(slot: slot, .state).store(state.rawValue, ordering: .releasing)
    }

    /// Worker: one loop turn's proof of life.
    @inline(__always)
    func beat(slot: Int, at now: Instant) {
        word(slot: slot, .heartbeat).store(Int(truncatingIfNeeded: now.nanoseconds), ordering: .relaxed)
    }

    /// Worker: responses answered so far.
    @inline(__always)
    func setServed(slot: Int, _ served: Int) {
        word(slot: slot, .served).store(served, ordering: .relaxed)
    }

    func heartbeat(slot: Int) -> Instant {
        Instant(nanoseconds: UInt64(bitPattern: Int64(word(slot: slot, .heartbeat).load(ordering: .relaxed))))
    }

    func state(slot: Int) -> SlotState {
        SlotState(rawValue: word(slot: slot, .state).load(ordering: .acquiring)) ?? .empty
    }
}

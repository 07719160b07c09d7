@preconcurrency import Glibc
import Atomics

/// Shared memory between the master and its workers: an anonymous MAP_SHARED
/// mapping made before the first fork, so every worker sees the same words.
/// Each word has one writer (the master for pid/generation/state, the slot's
/// worker for served/heartbeat, counters via atomic add), and readers never
/// block: no locks cross a process boundary.
public final class Scoreboard: @unchecked Sendable {
    /// Global counters, in header order. Raw values index the header words.
    public enum Counter: Int, CaseIterable, Sendable {
        case spawned, retired, stopped, crashed, killedByTimeout, bootFailed, backoff
        case responses1xx, responses2xx, responses3xx, responses4xx, responses5xx
        /// Not a counter: 1 while `/__fault/boot-fail?on=1` is in force.
        case bootFailFlag
        case masterPid, startedAt
        /// Log lines dropped because their destination could not take them (AppendFile).
        case logLinesDroppedEvent, logLinesDroppedAccess
        /// accept4 failures other than an empty queue (EMFILE, ENFILE, ENOMEM...).
        case acceptErrors
        /// Not counters: wall-clock start (Unix seconds) and the upgrade
        /// state for /__status (new master pid while in progress; the last
        /// failure as kind 1 exit / 2 signal / 3 timeout / 4 fork, its code
        /// and when, Unix seconds).
        case masterStartedWall, upgradePid, upgradeFailureKind, upgradeFailureCode, upgradeFailedAt

        /// The name on /__status and in logs.
        public var name: String {
            switch self {
            case .logLinesDroppedEvent: return "log_lines_dropped_event"
            case .logLinesDroppedAccess: return "log_lines_dropped_access"
            case .acceptErrors: return "accept_errors"
            case .killedByTimeout: return "killed_by_timeout"
            case .bootFailed: return "boot_failed"
            case .bootFailFlag: return "boot_fail_injected"
            case .masterPid: return "master_pid"
            case .startedAt: return "started_at"
            default: return String(describing: self)
            }
        }
    }

    /// A slot's lifecycle as the scoreboard shows it.
    public enum SlotState: Int, Sendable {
        case empty = 0, starting, ready, draining

        public var name: String { String(describing: self) }
    }

    enum SlotField: Int, CaseIterable {
        case pid, generation, served, heartbeat, state, spawnedAt
    }

    static let headerWords = 32
    static let slotWords = 8

    /// How many slots exist (the ceiling for TTIN).
    public let capacity: Int
    private let base: UnsafeMutableRawPointer
    private let byteCount: Int

    /// Maps the shared region. Call before forking any worker.
    init(capacity: Int) throws(PosixError) {
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

    public subscript(counter: Counter) -> Int {
        get { word(counter.rawValue).load(ordering: .relaxed) }
        set { word(counter.rawValue).store(newValue, ordering: .relaxed) }
    }

    public func increment(_ counter: Counter, by amount: Int = 1) {
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
    public struct SlotSnapshot: Sendable {
        public var slot: Int
        public var pid: Int
        public var generation: Int
        public var served: Int
        public var heartbeat: Instant
        public var state: SlotState
        public var spawnedAt: Instant
    }

    public func snapshot(slot: Int) -> SlotSnapshot {
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

@preconcurrency import Glibc
import Testing
@testable import Prefork

/// WorkerTable decides; these tests feed it made-up pids and instants and
/// check every decision without forking anything.
@Suite struct WorkerTableTests {
    static let t0 = Instant(nanoseconds: 1_000_000_000_000)

    static func at(_ ms: Int) -> Instant { t0 + .milliseconds(ms) }

    /// A table with `workers` slots already filled with pids 100, 101, ...
    static func running(_ workers: Int = 3, timeout: Duration? = .seconds(2), graceful: Duration = .seconds(5)) -> WorkerTable {
        var table = WorkerTable(policy: SupervisorPolicy(workers: workers, timeout: timeout, gracefulTimeout: graceful))
        let actions = table.tick(now: t0, heartbeat: { _ in nil })
        #expect(actions == (0..<workers).map { .spawn(slot: $0, generation: 1) })
        for slot in 0..<workers { table.spawned(slot: slot, pid: pid_t(100 + slot), now: t0) }
        return table
    }

    static func spawns(_ actions: [SupervisorAction]) -> [Int] {
        actions.compactMap { if case .spawn(let slot, _) = $0 { return slot } else { return nil } }
    }

    static func exitReason(_ actions: [SupervisorAction]) -> ExitReason? {
        for case .event(.workerExited(_, _, _, let reason, _)) in actions { return reason }
        return nil
    }

    @Test func startSpawnsEverySlotOnce() {
        var table = Self.running(4)
        #expect(table.liveCount == 4)
        #expect(table.tick(now: Self.at(1), heartbeat: { _ in Self.at(1) }).isEmpty, "a full table does nothing")
    }

    @Test func retiredWorkerIsReplacedAtOnceWithNewGeneration() {
        var table = Self.running()
        let actions = table.exited(pid: 101, status: .exited(0), now: Self.at(5000))
        #expect(Self.exitReason(actions) == .retired)
        #expect(actions.contains(.spawn(slot: 1, generation: 2)))
    }

    @Test func crashAfterHealthyLifeRespawnsAtOnce() {
        var table = Self.running()
        let actions = table.exited(pid: 100, status: .signaled(SIGKILL), now: Self.at(1500))
        #expect(Self.exitReason(actions) == .crashed)
        #expect(Self.spawns(actions) == [0])
    }

    @Test func crashLoopBacksOffExponentiallyAndCaps() {
        var table = Self.running(1)
        var now = Self.at(100)
        var pid: pid_t = 100
        var delays: [Duration] = []
        for _ in 0..<12 {
            let actions = table.exited(pid: pid, status: .signaled(SIGSEGV), now: now)
            #expect(Self.spawns(actions).isEmpty, "no respawn before the delay")
            guard case .event(.backoff(_, let delay, _))? = actions.first(where: {
                if case .event(.backoff) = $0 { return true } else { return false }
            }) else { Issue.record("no backoff event"); return }
            delays.append(delay)
            #expect(Self.spawns(table.tick(now: now + (delay - .milliseconds(1)), heartbeat: { _ in nil })).isEmpty)
            now = now + delay
            #expect(Self.spawns(table.tick(now: now, heartbeat: { _ in nil })) == [0])
            pid += 1
            table.spawned(slot: 0, pid: pid, now: now)
            now = now + .milliseconds(1)
        }
        #expect(delays.prefix(4) == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80)])
        #expect(delays.last == .seconds(5), "capped at 5 s")
    }

    @Test func healthyPeriodResetsTheBackoff() {
        var table = Self.running(1)
        _ = table.exited(pid: 100, status: .exited(1), now: Self.at(10))
        _ = table.tick(now: Self.at(20), heartbeat: { _ in nil })
        table.spawned(slot: 0, pid: 200, now: Self.at(20))
        _ = table.exited(pid: 200, status: .exited(1), now: Self.at(1100))  // lived 1.08 s: healthy
        #expect(table.slots[0].failures == 0)
        table.spawned(slot: 0, pid: 201, now: Self.at(1100))
        let actions = table.exited(pid: 201, status: .exited(1), now: Self.at(1150))
        #expect(actions.contains(.event(.backoff(slot: 0, delay: .milliseconds(10), failures: 1))))
    }

    @Test func aRetirementResetsTheBackoffHoweverShortTheLife() {
        var table = Self.running(1)
        _ = table.exited(pid: 100, status: .signaled(SIGKILL), now: Self.at(10))  // crash loop: failures 1
        _ = table.tick(now: Self.at(20), heartbeat: { _ in nil })
        table.spawned(slot: 0, pid: 200, now: Self.at(20))
        _ = table.exited(pid: 200, status: .exited(0), now: Self.at(70))  // retired after 50 ms
        #expect(table.slots[0].failures == 0)
        table.spawned(slot: 0, pid: 201, now: Self.at(70))
        let actions = table.exited(pid: 201, status: .signaled(SIGKILL), now: Self.at(100))
        #expect(actions.contains(.event(.backoff(slot: 0, delay: .milliseconds(10), failures: 1))),
                "the delay starts over, it does not keep doubling: \(actions)")
    }

    @Test func bootFailureAlwaysBacksOff() {
        var table = Self.running(2)
        let actions = table.exited(pid: 100, status: .exited(WorkerExit.bootFailed), now: Self.at(5000))
        #expect(Self.exitReason(actions) == .bootFailed)
        #expect(Self.spawns(actions).isEmpty)
        #expect(table.nextDeadline(now: Self.at(5000)) == Self.at(5010) || table.nextDeadline(now: Self.at(5000))! <= Self.at(5010))
    }

    @Test func staleHeartbeatIsKilledOnceAndReportedAsTimeout() {
        var table = Self.running(2, timeout: .seconds(2))
        let fresh: (Int) -> Instant? = { _ in Self.at(2500) }
        #expect(table.tick(now: Self.at(3000), heartbeat: fresh).isEmpty)
        let stale: (Int) -> Instant? = { $0 == 1 ? Self.at(500) : Self.at(2900) }
        let actions = table.tick(now: Self.at(3000), heartbeat: stale)
        #expect(actions.contains(.signal(pid: 101, signo: SIGKILL)))
        #expect(table.tick(now: Self.at(3100), heartbeat: stale).isEmpty, "killed once, not every turn")
        let exit = table.exited(pid: 101, status: .signaled(SIGKILL), now: Self.at(3200))
        #expect(Self.exitReason(exit) == .killedByTimeout)
    }

    @Test func noTimeoutMeansNoKill() {
        var table = Self.running(1, timeout: nil)
        #expect(table.tick(now: Self.at(3_600_000), heartbeat: { _ in Self.t0 }).isEmpty)
    }

    @Test func gracefulStopTermsEveryWorkerAndExitsWhenAllAreGone() {
        var table = Self.running(2)
        let actions = table.stop(graceful: true, now: Self.at(10))
        #expect(actions == [.closeListener, .signal(pid: 100, signo: SIGTERM), .signal(pid: 101, signo: SIGTERM)])
        let first = table.exited(pid: 100, status: .exited(0), now: Self.at(20))
        #expect(Self.exitReason(first) == .stopped)
        #expect(Self.spawns(first).isEmpty, "no respawn while stopping")
        let last = table.exited(pid: 101, status: .exited(0), now: Self.at(30))
        #expect(last.last == .exit(code: 0))
    }

    @Test func gracefulDeadlineEscalatesToKill() {
        var table = Self.running(2, graceful: .seconds(1))
        _ = table.stop(graceful: true, now: Self.at(0))
        #expect(table.nextDeadline(now: Self.at(0)) == Self.at(1000))
        #expect(table.tick(now: Self.at(999), heartbeat: { _ in nil }).isEmpty)
        let actions = table.tick(now: Self.at(1000), heartbeat: { _ in nil })
        #expect(actions.contains(.event(.shutdownEscalated(remaining: 2))))
        #expect(actions.contains(.signal(pid: 100, signo: SIGKILL)))
        let exit = table.exited(pid: 100, status: .signaled(SIGKILL), now: Self.at(1001))
        #expect(Self.exitReason(exit) == .stopped)
    }

    @Test func secondStopSignalIsImmediate() {
        var table = Self.running(2)
        _ = table.stop(graceful: true, now: Self.at(0))
        let actions = table.stop(graceful: true, now: Self.at(5))
        #expect(actions == [.signal(pid: 100, signo: SIGKILL), .signal(pid: 101, signo: SIGKILL)])
    }

    @Test func quitIsImmediate() {
        var table = Self.running(1)
        #expect(table.stop(graceful: false, now: Self.at(0)) == [.closeListener, .signal(pid: 100, signo: SIGKILL)])
        #expect(table.exited(pid: 100, status: .signaled(SIGKILL), now: Self.at(1)).last == .exit(code: 0))
    }

    @Test func stopWithNoWorkersExitsAtOnce() {
        var table = WorkerTable(policy: SupervisorPolicy(workers: 1, timeout: nil, gracefulTimeout: .seconds(1)))
        #expect(table.stop(graceful: true, now: Self.t0) == [.closeListener, .exit(code: 0)])
    }

    @Test func ttinAddsASlotAndTtouRetiresTheHighest() {
        var table = Self.running(2)
        let grow = table.resize(by: 1, now: Self.at(1))
        #expect(Self.spawns(grow) == [2])
        table.spawned(slot: 2, pid: 102, now: Self.at(1))
        let shrink = table.resize(by: -1, now: Self.at(2))
        #expect(shrink.contains(.signal(pid: 102, signo: SIGTERM)))
        let exit = table.exited(pid: 102, status: .exited(0), now: Self.at(3))
        #expect(Self.spawns(exit).isEmpty, "a retired slot is not refilled")
        #expect(table.slots.count == 2)
    }

    @Test func ttouNeverGoesBelowOneAndTtinIsCapped() {
        var table = Self.running(1)
        #expect(table.resize(by: -1, now: Self.at(1)).isEmpty)
        var capped = WorkerTable(policy: SupervisorPolicy(workers: 2, maxWorkers: 2, timeout: nil, gracefulTimeout: .seconds(1)))
        #expect(capped.resize(by: 1, now: Self.at(1)).isEmpty)
    }

    @Test func resizeIsIgnoredWhileStopping() {
        var table = Self.running(2)
        _ = table.stop(graceful: true, now: Self.at(0))
        #expect(table.resize(by: 1, now: Self.at(1)).isEmpty)
    }

    @Test func unknownChildIsReportedNotRespawned() {
        var table = Self.running(1)
        #expect(table.exited(pid: 999, status: .exited(0), now: Self.at(1)) == [.event(.unknownChild(pid: 999, status: .exited(0)))])
    }

    @Test func forkFailureBacksOff() {
        var table = WorkerTable(policy: SupervisorPolicy(workers: 1, timeout: nil, gracefulTimeout: .seconds(1)))
        _ = table.tick(now: Self.t0, heartbeat: { _ in nil })
        let actions = table.spawnFailed(slot: 0, now: Self.t0)
        #expect(actions == [.event(.backoff(slot: 0, delay: .milliseconds(10), failures: 1))])
        #expect(Self.spawns(table.tick(now: Self.at(10), heartbeat: { _ in nil })) == [0])
    }
}

/// The planted no-respawn defect goes through the table's policy, not around it.
@Suite struct RefillPolicyTests {
    @Test func noRefillAfterReadyWhenThePolicySaysSo() {
        var policy = SupervisorPolicy(workers: 2, timeout: nil, gracefulTimeout: .seconds(5))
        policy.refillsAfterReady = false
        var table = WorkerTable(policy: policy)
        let t0 = WorkerTableTests.t0
        #expect(WorkerTableTests.spawns(table.tick(now: t0, heartbeat: { _ in nil })) == [0, 1], "booting: slots fill")
        table.spawned(slot: 0, pid: 100, now: t0)
        table.spawned(slot: 1, pid: 101, now: t0)
        // A death before the ready line is refilled...
        #expect(WorkerTableTests.spawns(table.exited(pid: 100, status: .signaled(SIGKILL), now: WorkerTableTests.at(2000))) == [0])
        table.spawned(slot: 0, pid: 102, now: WorkerTableTests.at(2000))
        table.markReady()
        // ...one after it is not, and the slot stays empty without a spawn pending.
        #expect(WorkerTableTests.spawns(table.exited(pid: 101, status: .signaled(SIGKILL), now: WorkerTableTests.at(4000))).isEmpty)
        #expect(WorkerTableTests.spawns(table.tick(now: WorkerTableTests.at(9000), heartbeat: { _ in nil })).isEmpty)
        #expect(table.slots[1].worker == nil && !table.slots[1].spawning)
    }

    @Test func productionPolicyRefillsAfterReady() {
        var table = WorkerTableTests.running(2)
        table.markReady()
        #expect(WorkerTableTests.spawns(table.exited(pid: 101, status: .signaled(SIGKILL), now: WorkerTableTests.at(4000))) == [1])
    }

    @Test func scoreboardCountersAndFieldsDoNotOverlap() {
        let counters = Scoreboard.Counter.allCases.map(\.rawValue)
        let fields = Scoreboard.Field.allCases.map(\.rawValue)
        #expect(Set(counters).isDisjoint(with: fields))
        #expect((counters + fields).allSatisfy { $0 >= 0 && $0 < Scoreboard.headerWords })
    }
}

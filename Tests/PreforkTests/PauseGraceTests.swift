@preconcurrency import Glibc
import Testing
@testable import Prefork

/// A frozen group (master and workers stopped together) must not look like
/// hung workers when it resumes; a worker stopped alone still must.
@Suite struct PauseGraceTests {
    static let t0 = WorkerTableTests.t0
    static func at(_ ms: Int) -> Instant { WorkerTableTests.at(ms) }

    @Test func detectorIgnoresOrdinaryWakeups() {
        var detector = PauseDetector(timeout: .seconds(2))
        detector.willWait(now: Self.at(0), timeoutMs: 500)
        #expect(detector.check(now: Self.at(10)) == nil, "woken early by a signal")
        #expect(detector.check(now: Self.at(12)) == nil, "a turn of 2 ms")
        detector.willWait(now: Self.at(100), timeoutMs: 500)
        #expect(detector.check(now: Self.at(1000)) == nil, "400 ms late: under a quarter of the timeout")
        detector.willWait(now: Self.at(1000), timeoutMs: -1)
        #expect(detector.check(now: Self.at(60_000)) == nil, "no deadline: a long sleep is no pause")
    }

    @Test func detectorReportsTheWholeGapOfALateWake() {
        var detector = PauseDetector(timeout: .seconds(2))
        detector.willWait(now: Self.at(1000), timeoutMs: 500)
        #expect(detector.check(now: Self.at(11_000)) == .seconds(10))
    }

    /// Stopped in the middle of a turn (after its wait returned, before the
    /// heartbeat check): the check right before judging sees the gap.
    @Test func detectorSeesAPauseInsideATurn() {
        var detector = PauseDetector(timeout: .seconds(2))
        detector.willWait(now: Self.at(1000), timeoutMs: 500)
        #expect(detector.check(now: Self.at(1200)) == nil, "the wait ended on time")
        #expect(detector.check(now: Self.at(4700)) == .milliseconds(3500), "then 3.5 s passed before the next check")
        #expect(detector.check(now: Self.at(4701)) == nil, "reported once")
    }

    @Test func frozenGroupIsNotKilledAfterResume() {
        var table = WorkerTableTests.running(2, timeout: .seconds(2))
        // Both workers beat at 1.0 s, then the whole group froze for 10 s.
        let beats: (Int) -> Instant? = { _ in Self.at(1000) }
        #expect(!table.tick(now: Self.at(11_000), heartbeat: beats).isEmpty, "without the grace: killed (the bug)")

        table = WorkerTableTests.running(2, timeout: .seconds(2))
        table.masterResumed(now: Self.at(11_000), paused: .milliseconds(10_000))
        #expect(table.tick(now: Self.at(11_000), heartbeat: beats).isEmpty, "the frozen time is not held against them")
        #expect(table.tick(now: Self.at(12_500), heartbeat: beats).isEmpty, "1.0 + 1.5 s of real silence: within 2 s")
        let late = table.tick(now: Self.at(13_500), heartbeat: beats)
        #expect(late.contains(.signal(pid: 100, signo: SIGKILL)), "silent 2.5 s after resuming: hung after all")
    }

    @Test func workerStoppedWhileTheMasterRunsIsStillKilledOnTime() {
        var table = WorkerTableTests.running(2, timeout: .seconds(2))
        // A pause long ago, then worker 1 stops beating at 5 s while worker 0 keeps on.
        table.masterResumed(now: Self.at(3000), paused: .milliseconds(1500))
        let beats: (Int) -> Instant? = { $0 == 1 ? Self.at(5000) : Self.at(7400) }
        let actions = table.tick(now: Self.at(7500), heartbeat: beats)
        #expect(actions == [
            .event(.killedByTimeout(pid: 101, slot: 1, heartbeatAge: .milliseconds(2500))),
            .signal(pid: 101, signo: SIGKILL),
        ])
    }

    @Test func onlyThePartOfAPauseAfterTheLastBeatIsForgiven() {
        var table = WorkerTableTests.running(1, timeout: .seconds(2))
        // The master was stopped from 1 s to 11 s; the worker kept running and beat at 9 s, then hung.
        table.masterResumed(now: Self.at(11_000), paused: .milliseconds(10_000))
        let beats: (Int) -> Instant? = { _ in Self.at(9000) }
        #expect(table.tick(now: Self.at(11_500), heartbeat: beats).isEmpty, "0.5 s of real silence")
        #expect(table.tick(now: Self.at(13_100), heartbeat: beats).contains(.signal(pid: 100, signo: SIGKILL)),
                "only the 2 s of the pause after its last beat are forgiven: 2.1 s of silence remain")
    }
}

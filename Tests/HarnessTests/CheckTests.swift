import Harness
import Testing

/// Item 5: each check reports a planted violation in a recorded sample set.
@Suite struct LifetimeCheckTests {
    let exact = LifetimeCheck.Budget(maximum: 3, exact: true, sequential: true)

    func r(_ pid: Int32, _ served: Int, close: Bool = false) -> ServedRecord {
        ServedRecord(pid: pid, served: served, connectionClose: close)
    }

    @Test func cleanRolloverPasses() {
        let records = [r(10, 1), r(11, 1), r(10, 2), r(10, 3, close: true), r(11, 2), r(12, 1)]
        #expect(LifetimeCheck.violations(records, budget: exact).isEmpty)
    }

    @Test func answerBeyondBudgetIsReported() {
        let records = [r(10, 1), r(10, 2), r(10, 3, close: true), r(10, 4, close: true)]
        let v = LifetimeCheck.violations(records, budget: exact)
        #expect(v.contains { $0.contains("served=4 > lifetime budget 3") }, "\(v)")
    }

    @Test func gapIsReported() {
        let v = LifetimeCheck.violations([r(10, 1), r(10, 3, close: true)], budget: exact)
        #expect(v.contains { $0.contains("pid=10") && $0.contains("gap or duplicate") }, "\(v)")
    }

    @Test func duplicateIsReported() {
        let v = LifetimeCheck.violations([r(10, 1), r(10, 2), r(10, 2)], budget: exact)
        #expect(v.contains { $0.contains("gap or duplicate") }, "\(v)")
    }

    @Test func missingConnectionCloseIsReported() {
        let v = LifetimeCheck.violations([r(10, 1), r(10, 2), r(10, 3)], budget: exact)
        #expect(v == ["pid=10 response served=3 (its last) lacks Connection: close"])
    }

    @Test func outOfOrderOnlyMattersForASequentialClient() {
        let records = [r(10, 2), r(10, 1)]
        #expect(LifetimeCheck.violations(records, budget: exact).contains { $0.contains("out of order") })
        let concurrent = LifetimeCheck.Budget(maximum: 3, exact: false, sequential: false)
        #expect(LifetimeCheck.violations(records, budget: concurrent).isEmpty)
    }
}

@Suite struct OrphanCheckTests {
    func e(_ pid: Int32, ppid: Int32, _ state: Character, start: UInt64 = 100) -> ProcessEntry {
        ProcessEntry(pid: pid, ppid: ppid, state: state, startTime: start, comm: "preforkd")
    }

    @Test func deadOrZombieWorkersPass() {
        let workers = [e(20, ppid: 5, "S"), e(21, ppid: 5, "S")]
        let observed = [e(20, ppid: 1, "Z"), e(99, ppid: 1, "S")]
        #expect(OrphanCheck.violations(workers: workers, observed: observed, runner: 1).isEmpty)
    }

    @Test func survivorAdoptedByTheRunnerIsReported() {
        let workers = [e(20, ppid: 5, "S"), e(21, ppid: 5, "S")]
        let observed = [e(21, ppid: 7, "S")]
        let v = OrphanCheck.violations(workers: workers, observed: observed, runner: 7)
        #expect(v == ["worker pid=21 comm=preforkd still alive in state S, adopted by the runner (pid 7)"])
    }

    @Test func recycledPidIsNotBlamed() {
        let workers = [e(20, ppid: 5, "S", start: 100)]
        let observed = [e(20, ppid: 1, "S", start: 999)]
        #expect(OrphanCheck.violations(workers: workers, observed: observed, runner: 7).isEmpty)
    }
}

import Foundation
import Testing
@testable import Chaos

extension HistoryBuilder {
    /// The clean run with one upgrade: USR2 to master 100 at 1800 ms, new
    /// master 200 serving with worker 21 at 1820 ms, master 100 gone at 1850 ms;
    /// worker 21 answers from 1860 ms; one master (200) at the stop, named by the pid file.
    static func upgraded() -> HistoryBuilder {
        var b = withoutStop()
        b.history.faults.append(FaultEvent(index: 2, kind: .upgrade, time: t(1800), endedAt: t(1850), victimPid: master,
                                           detail: "signal 12"))
        b.history.faults[b.history.faults.count - 1].newMasterPid = 200
        b.history.faults[b.history.faults.count - 1].readyAt = t(1820)
        b.history.generations = [MasterGeneration(pid: master, startTime: 1, since: t(0), goneAt: t(1850)),
                                 MasterGeneration(pid: 200, startTime: 2, since: t(1820))]
        for i in b.history.samples.indices where b.history.samples[i].time >= t(1850) && b.history.samples[i].masterAlive {
            b.history.samples[i].children = [ProcInfo(pid: 21, ppid: 200, startTime: 21)]
            b.history.samples[i].masterPid = 200
        }
        for (k, ms) in stride(from: 1860.0, to: 2000, by: 10).enumerated() {
            b.history.requests.append(RequestEvent(start: t(ms), end: t(ms + 3), status: 200, workerPid: 21, served: k + 1))
        }
        b.history.shutdown?.liveMasters = [200]
        b.history.shutdown?.pidFileMaster = 200
        return b
    }

    var upgradeIndex: Int { history.faults.firstIndex { $0.kind == .upgrade }! }

    /// The clean run without its SIGSTOP: a stop's window (timeout + slack)
    /// would leave every failure after 1000 ms to it.
    static func withoutStop() -> HistoryBuilder {
        var b = clean()
        b.history.faults.removeAll { $0.kind == .stop }
        return b
    }

    /// Plus a bad upgrade at 1550 ms, rolled back by 1650 ms: nothing left.
    static func rolledBack() -> HistoryBuilder {
        var b = upgraded()
        var f = FaultEvent(index: 3, kind: .badUpgrade, time: t(1550), endedAt: t(1650), victimPid: master,
                           detail: "never-ready build")
        f.leftovers = []
        b.history.faults.append(f)
        return b
    }
}

/// zero-loss-planned, handover, rollback, generations: a clean history
/// passes, a planted violation fails with evidence.
@Suite struct PlannedInvariantTests {
    /// Skipped without an upgrade, reload or bad upgrade in the history.
    static let needPlanned: Set = ["handover", "rollback", "generations"]

    @Test func plannedHistoryPassesEveryPlannedInvariant() {
        let h = HistoryBuilder.rolledBack().history
        for v in Invariants.judge(h) where v.id == "zero-loss-planned" || Self.needPlanned.contains(v.id) {
            #expect(v.status == .pass, "\(v.id): \(v.summary) \(v.evidence)")
        }
    }

    @Test func zeroLossPassesAndCountsPerEventType() {
        var b = HistoryBuilder.upgraded()
        b.history.requests.append(RequestEvent(start: t(1810), end: t(1815), status: 200, workerPid: 12, served: 61,
                                               silentResend: true))
        let v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.status == .pass, "\(v.summary) \(v.evidence)")
        #expect(v.metrics["upgrade_events"] == 1)
        #expect(v.metrics["upgrade_requests"]! >= 15)
        #expect(v.metrics["upgrade_retried"] == 1)
        #expect(v.metrics["upgrade_lost"] == 0)
        #expect(v.metrics["graceful-stop_events"] == 1)
    }

    @Test func zeroLossFailsOnARefusalDuringTheUpgrade() {
        var b = HistoryBuilder.upgraded()
        b.history.requests.append(RequestEvent(start: t(1830), end: t(1831), status: 0, curlCode: 7))
        let v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.status == .fail)
        #expect(v.metrics["upgrade_lost"] == 1)
        #expect(v.evidence.first?.contains("upgrade #2 at t=1.800s") == true)
        #expect(v.evidence.first?.contains("curl 7") == true)
    }

    @Test func zeroLossCountsRetirementsAndLeavesKillsToTheirFaults() {
        var b = HistoryBuilder.withoutStop()
        // Worker 12 answers its 57th request at 1690 ms and retires at 1700 ms
        // (after the kill's window, 500..1500 ms).
        b.history.info.lifetime = 57
        b.history.requests.removeAll { $0.workerPid == 12 && $0.start >= t(1700) }
        b.killWorker12(at: 1700)
        var v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.status == .pass, "\(v.summary) \(v.evidence)")
        // 12, and 11 at 1900 ms: it answered 34 of 57, but no fault explains
        // its death (the stop is removed), so it retired as far as the
        // clients can tell (a worker dropping its last units at retirement
        // must not hide behind its served count).
        #expect(b.history.retirements.map(\.pid).sorted() == [11, 12])
        #expect(v.metrics["retirement_events"] == 2)
        // A connection reset at the retirement: lost.
        b.history.requests.append(RequestEvent(start: t(1695), end: t(1701), status: 0, curlCode: 56))
        v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("retirement of pid=12") == true)
        #expect(v.metrics["retirement_lost"] == 1)
        // Inside a kill's window the failure is the kill's: counted apart, not lost.
        b.history.faults.append(FaultEvent(index: 5, kind: .kill, time: t(1690), victimPid: 12))
        v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.status == .pass)
        #expect(v.metrics["excused_by_faults"] == 1)
    }

    @Test func handoverPassesWithTimes() {
        let v = HistoryBuilder.upgraded().verdict(HandoverInvariant())
        #expect(v.status == .pass, "\(v.summary) \(v.evidence)")
        #expect(abs(v.metrics["handover_p50_s"]! - 0.02) < 1e-6)
    }

    @Test func handoverFailsWithoutANewGenerationOrWithTwoMasters() {
        var b = HistoryBuilder.upgraded()
        b.history.faults[b.upgradeIndex].readyAt = nil
        var v = b.verdict(HandoverInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("no new generation serving") == true)
        b = HistoryBuilder.upgraded()
        b.history.shutdown?.liveMasters = [master, 200]
        b.history.generations![0].goneAt = nil
        v = b.verdict(HandoverInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.contains { $0.contains("2 masters alive") })
        #expect(v.evidence.contains { $0.contains("old master still there") })
        b = HistoryBuilder.upgraded()
        b.history.shutdown?.pidFileMaster = master
        #expect(b.verdict(HandoverInvariant()).evidence.first?.contains("pid file names pid=100") == true)
    }

    @Test func rollbackPassesAndFailsOnLeftoversOrLoss() {
        var b = HistoryBuilder.rolledBack()
        #expect(b.verdict(RollbackInvariant()).status == .pass)
        #expect(HistoryBuilder.upgraded().verdict(RollbackInvariant()).status == .skip)
        b.history.faults[b.history.faults.count - 1].leftovers = [300]
        var v = b.verdict(RollbackInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("failed build still running: pids [300]") == true)
        b = HistoryBuilder.rolledBack()
        b.history.requests.append(RequestEvent(start: t(1600), end: t(1601), status: 502))
        v = b.verdict(RollbackInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("1 request(s) failed") == true)
        b = HistoryBuilder.rolledBack()
        b.history.generations!.insert(MasterGeneration(pid: 300, startTime: 3, since: t(1600)), at: 1)
        #expect(b.verdict(RollbackInvariant()).evidence.first?.contains("pid=300 took over") == true)
    }

    @Test func generationsPassesAndFailsOnAnOldWorkerAnsweringLate() {
        var b = HistoryBuilder.upgraded()
        #expect(b.verdict(GenerationsInvariant()).status == .pass)
        #expect(HistoryBuilder.clean().verdict(GenerationsInvariant()).status == .skip)
        b.history.requests.append(RequestEvent(start: t(1900), end: t(1903), status: 200, workerPid: 12, served: 62))
        let v = b.verdict(GenerationsInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=12 of master pid=100") == true)
    }

    /// The upgraded run with an old-generation zombie (pid 16, parent the old
    /// master 100) in the samples 1820..1840 ms, while master 200 is current:
    /// `old` and `current` are each master's state/wchan meanwhile.
    static func oldGenerationZombie(old: MasterSample, current: MasterSample) -> HistoryBuilder {
        var b = HistoryBuilder.upgraded()
        for i in b.history.samples.indices where (t(1820)...t(1840)).contains(b.history.samples[i].time) {
            b.history.samples[i].children.append(ProcInfo(pid: 16, ppid: master, state: "Z", startTime: 16))
            b.history.samples[i].masterPid = 200
            b.history.samples[i].masterState = current.state
            b.history.samples[i].masterWchan = current.wchan
            b.history.samples[i].masters = [old, current]
        }
        return b
    }

    @Test func zombieIsJudgedAgainstItsOwnMaster() {
        // The old master busy exiting (R, or S then woken: wchan "0") beside a
        // sleeping current master: not a violation.
        let asleep = MasterSample(pid: 200, state: "S", wchan: "do_sys_poll")
        for busy in [MasterSample(pid: master, state: "R", wchan: "0"), MasterSample(pid: master, state: "S", wchan: "0"),
                     MasterSample(pid: master, state: "D", wchan: "do_exit")] {
            let v = Self.oldGenerationZombie(old: busy, current: asleep).verdict(NoZombiesInvariant())
            #expect(v.status == .pass, "old \(busy.state)/\(busy.wchan ?? "?"): \(v.summary) \(v.evidence)")
        }
        // The old master asleep beside its zombie, the current one busy: a violation, the old master's.
        let v = Self.oldGenerationZombie(old: MasterSample(pid: master, state: "S", wchan: "do_sys_poll"),
                                         current: MasterSample(pid: 200, state: "R", wchan: "0"))
            .verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("old master pid=100 S/do_sys_poll") == true, "\(v.evidence)")
    }

    @Test func reportShowsEachPlannedTypeInTextJSONAndJUnit() throws {
        var b = HistoryBuilder.upgraded()
        b.history.requests.append(RequestEvent(start: t(1810), end: t(1815), status: 200, workerPid: 12, served: 61,
                                               silentResend: true))
        let r = ChaosReport(history: b.history, verdicts: Invariants.judge(b.history), config: ChaosConfig(),
                            reproduce: "chaos-run --seed 0")
        let upgrade = try #require(r.plannedChanges?.first)
        #expect(upgrade.kind == "upgrade" && upgrade.events == 1 && upgrade.lost == 0 && upgrade.resent == 1)
        #expect(upgrade.requests >= 15)
        #expect(r.plannedChanges?.map(\.kind) == ["upgrade", "graceful-stop"])
        let line = try #require(r.renderText().split(separator: "\n").first { $0.hasPrefix("planned changes: ") })
        #expect(line.contains("upgrade 1 events / \(upgrade.requests) requests / 0 lost / 1 resent; graceful-stop 1 events"))
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(json.contains("\"plannedChanges\":[{"))
        let junit = r.renderJUnit()
        #expect(junit.contains("<property name=\"planned.upgrade.events\" value=\"1\"/>"))
        #expect(junit.contains("<property name=\"planned.upgrade.resent\" value=\"1\"/>"))
        #expect(junit.contains("<property name=\"planned.graceful-stop.lost\" value=\"0\"/>"))
    }

    @Test func withoutWorkerHeadersUnexplainedDeathsAreRetirements() {
        // A foreign server (no X-Worker-Pid) run with --lifetime: 13's death is the kill's,
        // 11's at 1900 ms (no fault near) is a retirement, and a failure beside it is lost.
        var b = HistoryBuilder.withoutStop()
        for i in b.history.requests.indices { b.history.requests[i].workerPid = nil; b.history.requests[i].served = nil }
        #expect(b.history.retirements.map(\.pid) == [11])
        b.history.requests.append(RequestEvent(start: t(1880), end: t(1895), status: 0, curlCode: 56))
        let v = b.verdict(ZeroLossPlannedInvariant())
        #expect(v.metrics["retirement_events"] == 1)
        #expect(v.status == .fail && v.metrics["retirement_lost"] == 1, "\(v.summary)")
        b.history.info.lifetime = 0
        #expect(b.verdict(ZeroLossPlannedInvariant()).metrics["retirement_events"] == nil)
    }
}

import Testing
@testable import Chaos

/// The hostile-environment invariants: the synthetic run with environment
/// faults passes everything; one planted violation each fails with evidence.
@Suite struct HostileInvariantTests {
    @Test func hostileHistoryPassesEverything() {
        let h = HistoryBuilder.hostile().history
        // handover, rollback, generations need planned changes (PlannedInvariantTests).
        for v in Invariants.judge(h) where !PlannedInvariantTests.needPlanned.contains(v.id) {
            #expect(v.status == .pass, "\(v.id): \(v.summary) \(v.evidence)")
        }
    }

    @Test func withoutEnvironmentFaultsTheyAreSkipped() {
        let h = HistoryBuilder.clean().history
        for v in [NoFalseTimeoutInvariant().check(h), LivenessUnderFaultInvariant().check(h),
                  NoBusySpinInvariant().check(h), SupervisionAliveInvariant().check(h)] {
            #expect(v.status == .skip, "\(v.id): \(v.summary)")
        }
    }

    @Test func workerKilledAfterMasterPauseFailsNoFalseTimeout() {
        var b = HistoryBuilder.hostile()
        b.killWorker12(at: 600)   // 200 ms after the master resumed, 12 had answered ~60 of 100
        let v = b.verdict(NoFalseTimeoutInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=12 died at t=0.6") == true)
        #expect(v.evidence.first?.contains("after the master-stop ended at t=0.400s") == true)
    }

    @Test func workerRetiredBySignalStormAfterPauseIsNoFalseTimeout() {
        var b = HistoryBuilder.hostile()
        b.killWorker12(at: 600)
        b.history.faults.append(FaultEvent(index: 5, kind: .signalStorm, time: t(450), endedAt: t(550)))   // its TTOU
        #expect(b.verdict(NoFalseTimeoutInvariant()).status == .pass)
    }

    @Test func workerRetiredOnBudgetAfterPauseIsNoFalseTimeout() {
        var b = HistoryBuilder.hostile()
        b.history.info.lifetime = 50   // 12 answered 60 >= 50: it retired, nobody killed it
        b.killWorker12(at: 600)
        #expect(b.verdict(NoFalseTimeoutInvariant()).status == .pass)
    }

    @Test func respawnDeadlineStretchesOverAPauseThatFollowsTheDeath() {
        // 13 dies at 500 ms; the master is paused 600..2100 ms; 14 comes at 2150.
        var b = HistoryBuilder.hostile()
        b.history.info.limits.respawnDeadline = 0.3
        b.history.faults.removeAll { $0.kind.pausesMaster }
        b.history.faults.append(FaultEvent(index: 9, kind: .groupFreeze, time: t(600), endedAt: t(2100)))
        for i in b.history.samples.indices where b.history.samples[i].time < t(2150) {
            b.history.samples[i].children.removeAll { $0.pid == 14 }
        }
        #expect(b.verdict(RespawnInvariant()).status == .pass)   // 0.1 s before + 0.05 s after the pause
        b.history.faults.removeAll { $0.kind == .groupFreeze }
        #expect(b.verdict(RespawnInvariant()).status == .fail)
    }

    @Test func slowFreshClientDuringLogStallFailsLiveness() {
        var b = HistoryBuilder.hostile()
        b.history.faults.removeAll { $0.kind == .stop }   // its window (1 s + hang deadline) would excuse the probe
        let i = b.history.requests.firstIndex { $0.source == .liveness && $0.start == t(1400) }!
        b.history.requests[i].end = t(1400 + 2500)
        let v = b.verdict(LivenessUnderFaultInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=1.400s fresh GET / during log-stall") == true)
        #expect(v.evidence.first?.contains("answered after 2.50 s") == true)
    }

    @Test func noRecoveryAfterFaultFailsLiveness() {
        var b = HistoryBuilder.hostile()
        b.history.requests.removeAll { $0.source == .liveness && $0.start >= t(1600) }
        let v = b.verdict(LivenessUnderFaultInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("log-stall ended at t=1.600s: no fresh client answered by t=1.900s") == true)
    }

    @Test func failedProbeInsideKillWindowIsExcused() {
        var b = HistoryBuilder.hostile()
        b.history.faults.append(FaultEvent(index: 5, kind: .kill, time: t(1350), victimPid: 12))
        let i = b.history.requests.firstIndex { $0.source == .liveness && $0.start == t(1400) }!
        b.history.requests[i] = RequestEvent(start: t(1400), end: t(1410), status: 0, curlCode: 52, source: .liveness)
        #expect(b.verdict(LivenessUnderFaultInvariant()).status == .pass)
    }

    @Test func spinningWorkerAtDescriptorLimitFailsNoBusySpin() {
        var b = HistoryBuilder.hostile()
        b.history.faults[3].cpu![1].seconds = 1.7   // 0.7 s in 0.8 s
        // CPU alone is not a spin: asleep in most samples, it did real work.
        #expect(b.verdict(NoBusySpinInvariant()).status == .pass)
        for i in b.history.samples.indices where (t(200)...t(1000)).contains(b.history.samples[i].time) {
            b.history.samples[i].children = b.history.samples[i].children.map { $0.pid == 12 ? worker(12, "R") : $0 }
        }
        let v = b.verdict(NoBusySpinInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=12 at its descriptor limit t=0.200s..t=1.000s used 0.70 s CPU") == true)
        #expect(v.evidence.first?.contains("runnable in 100% of") == true)
    }

    /// On a loaded machine a spinning worker may get little CPU, but it is
    /// runnable in every sample and answers nothing: still a spin.
    @Test func starvedSpinningWorkerFailsNoBusySpin() {
        var b = HistoryBuilder.hostile()
        b.history.requests.removeAll { $0.workerPid == 12 }
        for i in b.history.samples.indices where (t(200)...t(1000)).contains(b.history.samples[i].time) {
            b.history.samples[i].children = b.history.samples[i].children.map { $0.pid == 12 ? worker(12, "R") : $0 }
        }
        let v = b.verdict(NoBusySpinInvariant())
        #expect(v.status == .fail, "runnable throughout, nothing answered: \(v.summary)")
        #expect(v.evidence.first?.contains("answering 0 request(s)") == true)
    }

    @Test func masterWedgedInPipeWriteFailsSupervisionAlive() {
        var b = HistoryBuilder.hostile()
        for i in b.history.samples.indices where (t(1300)...t(1600)).contains(b.history.samples[i].time) {
            b.history.samples[i].masterState = "S"
            b.history.samples[i].masterWchan = "anon_pipe_write"
        }
        var v = b.verdict(SupervisionAliveInvariant())
        #expect(v.status == .pass)   // 300 ms: under the 1 s limit
        b.history.info.limits.env.wedgedWrite = 0.2
        v = b.verdict(SupervisionAliveInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("asleep in a pipe write from t=1.300s to t=1.600s during log-stall") == true)
    }

    @Test func deathNotRefilledDuringLogStallFailsSupervisionAlive() {
        var b = HistoryBuilder.hostile()
        b.history.info.limits.respawnDeadline = 0.1
        for i in b.history.samples.indices where b.history.samples[i].masterAlive && b.history.samples[i].time >= t(1400) {
            b.history.samples[i].children.removeAll { $0.pid == 12 }
        }
        let v = b.verdict(SupervisionAliveInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("worker pid=12 died during log-stall") == true)
    }
}

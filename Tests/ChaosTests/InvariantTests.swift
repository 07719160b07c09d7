import Testing
@testable import Chaos

/// Each invariant: the clean synthetic history passes, one planted violation
/// fails with evidence naming the pid and the time.
@Suite struct InvariantTests {
    @Test func cleanHistoryPassesEverything() {
        let h = HistoryBuilder.clean().history
        // The hostile-environment invariants need environment faults (HostileInvariantTests).
        let hostile: Set = ["no-false-timeout", "liveness-under-fault", "no-busy-spin", "supervision-alive"]
        for v in Invariants.judge(h) where !hostile.contains(v.id) && !PlannedInvariantTests.needPlanned.contains(v.id) {
            #expect(v.status == .pass, "\(v.id): \(v.summary) \(v.evidence)")
        }
    }

    @Test func respawnFailsWhenSlotNotRefilled() {
        var b = HistoryBuilder.clean()
        for i in b.history.samples.indices { b.history.samples[i].children.removeAll { $0.pid == 14 } }
        b.history.requests.removeAll { $0.workerPid == 14 }
        let v = b.verdict(RespawnInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=13") == true)
        #expect(v.evidence.first?.contains("t=0.5") == true)
    }

    @Test func respawnReportsLatency() {
        let v = HistoryBuilder.clean().verdict(RespawnInvariant())
        #expect(v.metrics["max_s"]! > 0.03 && v.metrics["max_s"]! < 0.05)
    }

    @Test func zombieAcrossSamplesFails() {
        var b = HistoryBuilder.clean()
        for i in b.history.samples.indices where b.history.samples[i].masterAlive {
            let ms = Double(b.history.samples[i].time - t(0)) / 1e6
            if ms >= 500 { b.history.samples[i].children.append(worker(13, "Z")) }
        }
        let v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=13 zombie since t=0.5") == true)
    }

    @Test func zombieInTwoConsecutiveSamplesFails() {
        // The issue's rule: two consecutive samples (10 ms apart here) are enough.
        var b = HistoryBuilder.clean()
        b.history.info.limits.zombieGrace = 0
        let i = b.history.samples.firstIndex { $0.time == t(510) }!
        b.history.samples[i].children.append(worker(13, "Z"))
        var v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first == "pid=13 zombie since t=0.500s, still at t=0.510s")
        b.history.info.limits.zombieGrace = 0.05   // a grace tolerates 10 ms
        v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .pass)
    }

    @Test func zombieWhileMasterRunnableIsStarvationUpToLimit() {
        // 13 stays a zombie 500..700 ms. Master asleep in poll meanwhile: it ignored the death.
        var b = HistoryBuilder.clean()
        for i in b.history.samples.indices where b.history.samples[i].masterAlive {
            let time = b.history.samples[i].time
            if time > t(500) && time <= t(700) { b.history.samples[i].children.append(worker(13, "Z")) }
            b.history.samples[i].masterState = "S"
            b.history.samples[i].masterWchan = "do_sys_poll"
        }
        var v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("master S/do_sys_poll") == true)
        // Master runnable (woken, waiting for a CPU) the whole time: starvation, tolerated...
        for i in b.history.samples.indices { b.history.samples[i].masterState = "R" }
        #expect(b.verdict(NoZombiesInvariant()).status == .pass)
        // ...but not beyond the limit.
        b.history.info.limits.zombieStarvedLimit = 0.1
        v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=13 zombie since t=0.500s, still at t=0.600s") == true)
    }

    @Test func zombieAcrossObserverStallIsNotConsecutive() {
        // Samples 10 ms apart except one 400 ms gap: the runner (and the master) did not run.
        var b = HistoryBuilder.clean()
        b.history.info.limits.zombieGrace = 0
        b.history.samples.removeAll { $0.time > t(500) && $0.time < t(900) }
        b.history.samples[b.history.samples.firstIndex { $0.time == t(900) }!].children.append(worker(13, "Z"))
        #expect(b.verdict(NoZombiesInvariant()).status == .pass)
        #expect(b.history.stalls.count == 1)
    }

    @Test func respawnDeadlineExtendedByObserverStall() {
        // 13 dies at 500 ms; its replacement only at 1400 ms: late for a 0.5 s deadline...
        var b = HistoryBuilder.clean()
        for i in b.history.samples.indices where b.history.samples[i].time < t(1400) {
            b.history.samples[i].children.removeAll { $0.pid == 14 }
        }
        #expect(b.verdict(RespawnInvariant()).status == .fail)
        // ...unless the machine stalled for 600 ms inside that deadline.
        b.history.samples.removeAll { $0.time > t(600) && $0.time < t(1200) }
        let v = b.verdict(RespawnInvariant())
        #expect(v.status == .pass, "\(v.evidence)")
        #expect(v.summary.contains("extended by observer stalls"))
    }

    @Test func zombieDuringGracefulShutdownFails() {
        // TERM at 2000 ms, master alive until 2200 ms: it must keep reaping while it drains.
        var b = HistoryBuilder.clean()
        for i in b.history.samples.indices where b.history.samples[i].time >= t(2100) && b.history.samples[i].masterAlive {
            b.history.samples[i].children.append(worker(12, "Z"))
        }
        let v = b.verdict(NoZombiesInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=12 zombie since t=2.100s") == true)
    }

    @Test func singleZombieSampleIsTolerated() {
        let b = HistoryBuilder.clean()
        // What the test relies on, shown: the fixture has exactly one sample
        // with a zombie child (pid 13 at 500 ms, reaped by the next sample).
        let zombieSamples = b.history.samples.filter { $0.children.contains { $0.state == "Z" } }
        #expect(zombieSamples.count == 1, "the fixture's single zombie sample: \(zombieSamples.count) found")
        #expect(b.verdict(NoZombiesInvariant()).status == .pass)
    }

    @Test func orphanWhileMasterAliveFails() {
        var b = HistoryBuilder.clean()
        b.history.samples[30].orphans = [ProcInfo(pid: 77, ppid: 1, state: "S", startTime: 77)]
        let v = b.verdict(NoOrphansInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=0.300s pid=77") == true)
    }

    @Test func orphanOutlivingMasterFails() {
        var b = HistoryBuilder.clean()
        b.history.info.limits.orphanDeadline = 0.2
        let late = b.history.samples.count - 1   // 2590 ms, master gone at 2200 ms
        b.history.samples[late].orphans = [ProcInfo(pid: 78, ppid: 1, state: "S", startTime: 78)]
        let v = b.verdict(NoOrphansInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=78 still alive") == true)
    }

    @Test func lifetimeDuplicateGapAndBudgetFail() {
        var b = HistoryBuilder.clean()
        b.history.requests.append(RequestEvent(start: t(1500), end: t(1501), status: 200, workerPid: 12, served: 3))
        var v = b.verdict(LifetimeInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.contains { $0.contains("pid=12 served=3 answered twice") })

        b = HistoryBuilder.clean()
        b.history.requests.removeAll { $0.workerPid == 12 && $0.served == 7 }
        v = b.verdict(LifetimeInvariant())
        #expect(v.evidence.contains { $0.contains("pid=12 gap: served 7..7") })

        b = HistoryBuilder.clean()
        b.history.info.lifetime = 50
        v = b.verdict(LifetimeInvariant())
        #expect(v.evidence.contains { $0.contains("served=51 > lifetime budget 50") })
    }

    @Test func lifetimeDeadWorkerAnswering() {
        var b = HistoryBuilder.clean()
        let n = b.history.requests.filter { $0.workerPid == 13 }.count
        b.history.requests.append(RequestEvent(start: t(800), end: t(801), status: 200, workerPid: 13, served: n + 1))
        let v = b.verdict(LifetimeInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("pid=13 answered a request sent at t=0.800s") == true)
    }

    @Test func lifetimeEarlyRetirementFails() {
        // Worker 12 dies on its own (no fault) after 60 answers of a lifetime of 61.
        var b = HistoryBuilder.clean()
        b.history.info.lifetime = 61
        for i in b.history.samples.indices where b.history.samples[i].time >= t(1800) {
            b.history.samples[i].children.removeAll { $0.pid == 12 }
            b.history.samples[i].children.append(worker(16))
        }
        var v = b.verdict(LifetimeInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.contains { $0.contains("pid=12 exited by itself at t=1.800s after answering 60 of its lifetime 61") })
        b.history.info.lifetime = 60
        v = b.verdict(LifetimeInvariant())
        #expect(v.status == .pass, "\(v.evidence)")
    }

    @Test func lifetimeSkipsWithoutWorkerHeaders() {
        var b = HistoryBuilder.clean()
        for i in b.history.requests.indices { b.history.requests[i].workerPid = nil; b.history.requests[i].served = nil }
        let v = b.verdict(LifetimeInvariant())
        #expect(v.status == .skip)
        #expect(v.summary.contains("X-Worker"))
    }

    @Test func availabilityRefusalAndUnexplainedFailure() {
        var b = HistoryBuilder.clean()
        b.history.requests.append(RequestEvent(start: t(1700), end: t(1701), status: 0, curlCode: 7))
        var v = b.verdict(AvailabilityInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=1.701s connection refused") == true)

        // Narrow windows, no stop fault: 1.3 s is 0.5 s after the kill window and before 11's death window.
        b = HistoryBuilder.clean()
        b.history.info.limits.deathWindowBefore = 0.3
        b.history.info.limits.deathWindowAfter = 0.3
        b.history.faults.removeLast()
        b.history.requests.append(RequestEvent(start: t(1250), end: t(1300), status: 0, curlCode: 56))
        v = b.verdict(AvailabilityInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=1.300s curl code 56") == true)
    }

    @Test func availabilityExcusesKillWindowAndRefusalAfterShutdown() {
        var b = HistoryBuilder.clean()
        b.history.requests.append(RequestEvent(start: t(2100), end: t(2101), status: 0, curlCode: 7))
        let v = b.verdict(AvailabilityInvariant())
        #expect(v.status == .pass)
        #expect(v.metrics["excused_failures"] == 1)
    }

    @Test func hungWorkerNotKilledFails() {
        // Timeout 0.5 s + slack 0.3 s: the stop at 1.0 s must be gone by 1.8 s; it goes at 1.9 s.
        var b = HistoryBuilder.clean()
        b.history.info.timeout = 0.5
        b.history.info.limits.hangSlack = 0.3
        let v = b.verdict(HungWorkerInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=1.000s stopped worker pid=11 still alive at t=1.800s (gone at t=1.900s)") == true)
    }

    @Test func hangRequestTimingOutFails() {
        var b = HistoryBuilder.clean()
        b.history.info.timeout = 0.5
        b.history.info.limits.hangSlack = 0.3
        b.history.faults[1] = FaultEvent(index: 1, kind: .hang, time: t(300), endedAt: t(1900), curlCode: 28)
        let v = b.verdict(HungWorkerInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("t=0.300s hang request") == true)
    }

    @Test func cleanShutdownFailures() {
        var b = HistoryBuilder.clean()
        b.history.shutdown!.masterStatus = .signaled(9)
        #expect(b.verdict(CleanShutdownInvariant()).evidence.first?.contains("signal:9") == true)

        b = HistoryBuilder.clean()
        b.history.shutdown!.exitedAt = t(6000)
        #expect(b.verdict(CleanShutdownInvariant()).evidence.first?.contains("took 4.00s") == true)

        b = HistoryBuilder.clean()
        b.history.shutdown!.probes[0] = RequestEvent(start: t(1950), end: t(2010), status: 0, curlCode: 52,
                                                      path: "/__fault/sleep", source: .probe)
        #expect(b.verdict(CleanShutdownInvariant()).evidence.first?.contains("curl code 52") == true)

        b = HistoryBuilder.clean()
        b.history.shutdown!.survivors = [worker(12)]
        b.history.shutdown!.portRefused = false
        b.history.shutdown!.pidFileRemains = true
        let v = b.verdict(CleanShutdownInvariant())
        #expect(v.status == .fail && v.evidence.count == 3)
        #expect(v.evidence[0].contains("pid=12"))
    }

    @Test func cleanShutdownSkipsWithoutShutdown() {
        var b = HistoryBuilder.clean()
        b.history.shutdown = nil
        #expect(b.verdict(CleanShutdownInvariant()).status == .skip)
    }

    @Test func masterLeakAndDeathFail() {
        var b = HistoryBuilder.clean()
        let n = b.history.samples.count
        for i in (n / 2)..<n { b.history.samples[i].masterFDs = 40; b.history.samples[i].masterRSSKB = 9000 }
        var v = b.verdict(MasterStableInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.contains { $0.contains("fds grew 12 -> 40") })
        #expect(v.evidence.contains { $0.contains("RSS grew 4000 -> 9000") })

        b = HistoryBuilder.clean()
        b.history.samples[100].masterAlive = false
        v = b.verdict(MasterStableInvariant())
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("died at t=1.000s") == true)
    }
}

import Testing
import Foundation
@testable import Chaos
import Harness

@Suite struct ScheduleTests {
    let kinds: [FaultKind] = [.kill, .stop, .crash, .hang, .signalStorm, .slowloris, .malformed]

    @Test func sameSeedSameSchedule() {
        let a = FaultSchedule.make(seed: 42, duration: 60, kinds: kinds, interval: 0.5, cooldown: 3, stuckSpacing: 5)
        let b = FaultSchedule.make(seed: 42, duration: 60, kinds: kinds, interval: 0.5, cooldown: 3, stuckSpacing: 5)
        let c = FaultSchedule.make(seed: 43, duration: 60, kinds: kinds, interval: 0.5, cooldown: 3, stuckSpacing: 5)
        #expect(a == b)
        #expect(a != c)
        #expect(a.faults.count >= 100)
    }

    @Test func splitMixKnownValues() {
        // Reference values for SplitMix64 seeded with 0 (from the published algorithm).
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func scheduleRespectsWindowsAndSpacing() {
        let s = FaultSchedule.make(seed: 7, duration: 30, kinds: kinds, interval: 0.3, cooldown: 3, stuckSpacing: 5)
        #expect(s.faults.allSatisfy { $0.at > 1 && $0.at < 27 })
        let stuck = s.faults.filter { $0.kind == .stop || $0.kind == .hang }.map(\.at)
        for (a, b) in zip(stuck, stuck.dropFirst()) { #expect(b - a >= 5) }
    }

    @Test func environmentFaultsOneAtATimeEachKindInTurn() {
        let env: [FaultKind] = [.groupFreeze, .masterStop, .logStall, .slowlorisFlood, .fdLimit, .logFull, .cpuThrottle]
        let timing = EnvironmentTiming(length: 2, pauseLength: 3, gap: 1.5)
        let s = FaultSchedule.make(seed: 9, duration: 45, kinds: kinds + env, interval: 0.3, cooldown: 3,
                                   stuckSpacing: 5, environment: timing)
        #expect(s == FaultSchedule.make(seed: 9, duration: 45, kinds: kinds + env, interval: 0.3, cooldown: 3,
                                        stuckSpacing: 5, environment: timing))
        let e = s.faults.filter(\.kind.isEnvironment)
        #expect(Set(e.map(\.kind)) == Set(env), "each kind in turn: \(e.map(\.kind))")
        for f in e {
            #expect(f.length == (f.kind.pausesMaster ? 3 : 2))
            #expect(f.at + f.length! < 42)   // ends before the cooldown
        }
        for (a, b) in zip(e, e.dropFirst()) { #expect(b.at >= a.at + a.length! + 1.5) }
        // No stop or hang within the stuck spacing of a master pause (before or after it).
        let pauses = e.filter(\.kind.pausesMaster)
        for st in s.faults where st.kind == .stop || st.kind == .hang {
            for p in pauses { #expect(st.at <= p.at - 5 || st.at >= p.at + p.length! + 5) }
        }
        // Without kill among the kinds, a draw that does not fit is dropped, not made a kill.
        let only = FaultSchedule.make(seed: 9, duration: 20, kinds: [.logStall], interval: 0.3, cooldown: 3,
                                      stuckSpacing: 5, environment: timing)
        #expect(!only.faults.isEmpty && only.faults.allSatisfy { $0.kind == .logStall })
    }

    @Test func masterKillComesLastAndOnce() {
        let s = FaultSchedule.make(seed: 1, duration: 10, kinds: [.kill, .masterKill], interval: 0.5,
                                   cooldown: 2, stuckSpacing: 5)
        #expect(s.faults.last?.kind == .masterKill)
        #expect(s.faults.filter { $0.kind == .masterKill }.count == 1)
    }

    @Test func scenarioParsing() throws {
        let json = #"{"name":"x","duration":12.5,"workers":3,"faults":["kill","signal-storm"],"shutdown":["INT","sighup"]}"#
        let s = try Scenario.parse(Data(json.utf8))
        var c = ChaosConfig()
        try c.apply(s)
        #expect(c.duration == 12.5 && c.workers == 3)
        #expect(c.effectiveFaults == [.kill, .signalStorm])
        #expect(c.shutdown == ["INT", "HUP"])
        #expect(c.shutdownSignal(seed: 3) == "HUP")
        #expect(throws: ChaosSetupError.self) { try Scenario.parse(Data(#"{"durration":1}"#.utf8)) }
        #expect(throws: ChaosSetupError.self) { try Scenario.parse(Data(#"{"faults":["nuke"]}"#.utf8)) }
    }

    @Test func shippedScenariosParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../chaos/scenarios").standardized.path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 10)
        for n in names { _ = try Scenario.load("\(dir)/\(n)") }
    }

    @Test func reportRendersClosingLineAndJUnit() {
        let h = HistoryBuilder.clean().history
        let r = ChaosReport(history: h, verdicts: Invariants.judge(h), config: ChaosConfig(), reproduce: "chaos-run --seed 0")
        // The four hostile-environment invariants skip without environment faults,
        // handover, rollback and generations without planned changes (zero-loss-planned judges the stop).
        #expect(r.renderText().hasSuffix("9 passed, 0 failed, 7 skipped"))
        #expect(r.renderJUnit().contains("<testcase classname=\"chaos\" name=\"respawn\">"))
        #expect(r.steadyLatency.count > 0)
    }
}

import Testing
@testable import Fleet

@Suite struct FleetScheduleTests {
    let all = FleetFaultKind.allCases

    @Test func sameSeedSamePlan() {
        let a = FleetSchedule.make(seed: 9, duration: 60, kinds: all, hosts: 3, interval: 10, cooldown: 4)
        let b = FleetSchedule.make(seed: 9, duration: 60, kinds: all, hosts: 3, interval: 10, cooldown: 4)
        let c = FleetSchedule.make(seed: 10, duration: 60, kinds: all, hosts: 3, interval: 10, cooldown: 4)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func everyKindOnceWhenThereIsRoomAndNoneInTheCooldown() {
        for seed in UInt64(1)...20 {
            let p = FleetSchedule.make(seed: seed, duration: 60, kinds: all, hosts: 3, interval: 6, cooldown: 4)
            #expect(Set(p.prefix(all.count).map(\.kind)) == Set(all), "seed \(seed)")
            #expect(p.allSatisfy { $0.at >= 1 && $0.at < 56 && $0.host < 3 })
            #expect(p.filter { $0.kind == .hostFreeze }.allSatisfy { $0.length >= 0.5 && $0.length <= 10 })
        }
    }

    @Test func rollingChangesKeptWhenSlotsAreShort() {
        for seed in UInt64(1)...20 {
            let p = FleetSchedule.make(seed: seed, duration: 60, kinds: all, hosts: 3, interval: 10, cooldown: 4)
            #expect(p.contains { $0.kind == .rollingRestart } && p.contains { $0.kind == .rollingUpgrade }, "seed \(seed): \(p.map(\.kind))")
        }
    }

    @Test func unknownFaultIsAUsageError() throws {
        #expect(throws: FleetSetupError.self) { try FleetFaultKind.parseList("host-kill,bogus") }
        #expect(try FleetFaultKind.parseList("none").isEmpty)
    }
}

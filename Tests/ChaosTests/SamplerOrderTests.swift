import Harness
import Testing
@testable import Chaos

/// HistorySampler re-reads each zombie after the master: a zombie the master
/// reaped meanwhile must not reach no-zombies beside a master seen asleep.
@Suite struct SamplerOrderTests {
    private func entry(_ pid: Int32, _ state: Character, start: UInt64 = 100) -> ProcessEntry {
        ProcessEntry(pid: pid, ppid: 1, pgrp: 1, state: state, startTime: start, comm: "w")
    }

    @Test func reapedZombieIsDropped() {
        let kids = [entry(10, "S"), entry(11, "Z")]
        let out = HistorySampler.confirmingZombies(kids) { _ in nil }
        #expect(out.map(\.pid) == [10])
    }

    @Test func zombieStillThereIsKept() {
        let kids = [entry(11, "Z")]
        let out = HistorySampler.confirmingZombies(kids) { pid in self.entry(pid, "Z") }
        #expect(out.map(\.state) == ["Z"])
    }

    @Test func reusedPidIsNotTheSameZombie() {
        let kids = [entry(11, "Z", start: 100)]
        let out = HistorySampler.confirmingZombies(kids) { pid in self.entry(pid, "R", start: 200) }
        #expect(out.isEmpty)
    }

    @Test func liveChildrenAreNotReread() {
        var reads = 0
        let out = HistorySampler.confirmingZombies([entry(10, "R")]) { _ in reads += 1; return nil }
        #expect(out.count == 1 && reads == 0)
    }
}

import Testing
import Foundation
import Glibc
@testable import Harness

@Suite struct ReadyLineTests {
    @Test func parsesTheContractLine() throws {
        let r = try #require(ReadyLine.parse("preforkd ready pid=4242 url=http://127.0.0.1:8080/ workers=5"))
        #expect(r.pid == 4242)
        #expect(r.url == "http://127.0.0.1:8080/")
        #expect(r.host == "127.0.0.1")
        #expect(r.port == 8080)
        #expect(r.workers == 5)
    }

    @Test(arguments: [
        "preforkd ready pid=1 url=http://127.0.0.1:8080/",            // no workers
        "preforkd started pid=1 url=http://127.0.0.1:8080/ workers=2", // wrong word
        "preforkd ready pid=x url=http://127.0.0.1:8080/ workers=2",   // pid not a number
        "preforkd ready pid=1 url=http://127.0.0.1/ workers=2",        // no port
        "preforkd ready pid=1 url=http://127.0.0.1:99999/ workers=2",  // port out of range
        "Parent daemon running. pid=1 url=http://127.0.0.1:1/",
        "",
    ])
    func rejectsOtherLines(_ line: String) {
        #expect(ReadyLine.parse(line) == nil)
    }
}

@Suite struct ProcStatParsingTests {
    @Test func commWithSpacesAndParens() throws {
        let line = "1234 (we ird) (x) R) S 77 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n"
        let e = try #require(ProcessEntry.parse(statLine: line))
        #expect(e.pid == 1234)
        #expect(e.comm == "we ird) (x) R")
        #expect(e.state == "S")
        #expect(e.ppid == 77)
        #expect(e.pgrp == 1234)
        #expect(e.startTime == 987654)
    }

    @Test func zombieState() throws {
        let line = "99 (sleep) Z 42 42 42 0 -1 4227084 0 0 0 0 0 0 0 0 20 0 1 0 5555 0 0 18446744073709551615"
        let e = try #require(ProcessEntry.parse(statLine: line))
        #expect(e.isZombie)
        #expect(e.startTime == 5555)
    }

    @Test func truncatedLineIsRejected() {
        #expect(ProcessEntry.parse(statLine: "99 (sleep) Z 42 42") == nil)
        #expect(ProcessEntry.parse(statLine: "garbage") == nil)
    }

    @Test func readsOurOwnProcess() throws {
        let me = try #require(ProcFS.entry(getpid()))
        #expect(me.pid == getpid())
        #expect(me.ppid == getppid())
        #expect(me.state == "R" || me.state == "S")
        #expect(me.startTime > 0)
        #expect((ProcFS.fdCount(getpid()) ?? 0) >= 3)
        #expect((ProcFS.rssKB(getpid()) ?? 0) > 1000)
        #expect(ProcFS.exists(getpid()))
        #expect(ProcFS.all().contains { $0.pid == getpid() })
    }

    @Test func codableRoundTrip() throws {
        let e = ProcessEntry(pid: 5, ppid: 1, pgrp: 5, state: "Z", startTime: 9, comm: "a b")
        let data = try JSONEncoder().encode(e)
        #expect(try JSONDecoder().decode(ProcessEntry.self, from: data) == e)
    }
}

@Suite struct ZombieCheckTests {
    func child(_ pid: Int32, _ state: Character, start: UInt64 = 100) -> ProcessEntry {
        ProcessEntry(pid: pid, ppid: 1, state: state, startTime: start, comm: "w")
    }

    func sample(_ t: UInt64, _ children: [ProcessEntry], master: String? = nil) -> ProcessSample {
        ProcessSample(time: t * 10_000_000, masterAlive: true, children: children, masterState: master)
    }

    @Test func masterWaitingForACPUIsGivenTime() {
        // Runnable (R) or in a syscall (D) in the second sighting: the
        // scheduler, not the master, kept the zombie; asleep (S): ignored.
        let waiting = [sample(0, [child(10, "Z")]), sample(1, [child(10, "Z")], master: "R"),
                       sample(2, [child(10, "Z")], master: "D"), sample(3, [])]
        #expect(ZombieCheck.violations(waiting).isEmpty)
        let asleep = [sample(0, [child(10, "Z")]), sample(1, [child(10, "Z")], master: "S"), sample(2, [])]
        #expect(ZombieCheck.violations(asleep).count == 1)
        // Starved past the limit (1 s): reported whatever the state.
        let starved = [sample(0, [child(10, "Z")]), sample(101, [child(10, "Z")], master: "R"), sample(102, [])]
        #expect(ZombieCheck.violations(starved).count == 1)
    }

    @Test func cleanRunHasNoViolations() {
        // A zombie seen in ONE sample and gone in the next was reaped in time.
        let samples = [
            sample(0, [child(10, "S"), child(11, "S")]),
            sample(1, [child(10, "Z"), child(11, "S")]),
            sample(2, [child(12, "S"), child(11, "S")]),
            sample(3, [child(12, "S"), child(11, "Z")]),
            sample(4, [child(12, "S"), child(13, "S")]),
        ]
        #expect(ZombieCheck.violations(samples).isEmpty)
    }

    @Test func zombieInConsecutiveSamplesIsReportedOnce() {
        let samples = [
            sample(0, [child(10, "S")]),
            sample(1, [child(10, "Z")]),
            sample(2, [child(10, "Z")]),
            sample(3, [child(10, "Z")]),
            sample(4, []),
        ]
        let v = ZombieCheck.violations(samples)
        #expect(v.count == 1)
        #expect(v.first?.contains("pid=10") == true)
    }

    @Test func zombieInFinalSampleIsReported() {
        let samples = [sample(0, [child(10, "S")]), sample(1, [child(10, "Z")])]
        #expect(ZombieCheck.violations(samples).count == 1)
    }

    @Test func recycledPidIsADifferentProcess() {
        // Same pid, different start time: two zombies each reaped in time.
        let samples = [
            sample(0, [child(10, "Z", start: 1)]),
            sample(1, [child(10, "Z", start: 2)]),
            sample(2, []),
        ]
        #expect(ZombieCheck.violations(samples).isEmpty)
    }
}

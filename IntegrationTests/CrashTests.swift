import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// Crashes are counted and respawned; a boot-failure loop backs off.
    @Suite struct CrashTests {
        @Test func crashIsRespawnedAndCounted() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let before = Set(d.workers().map(\.pid))
            let r = d.get("/__fault/crash", timeout: 5)
            #expect(r.response == nil, "crash answered: \(r.summary)")
            let line = waitUntil(timeout: 3) { d.events("worker_exited").contains { $0["reason"] == "crashed" } }
            #expect(line, "no reason=crashed line\n\(d.logTail())")
            let crashed = d.events("worker_exited").first { $0["reason"] == "crashed" }
            #expect(crashed?["status"] == "signal:\(SIGABRT)" && before.contains(Int32(crashed?["pid"] ?? "") ?? 0), "\(String(describing: crashed))")
            let refilled = waitUntil(timeout: 3) { let w = d.workers(); return w.count == 2 && Set(w.map(\.pid)) != before }
            #expect(refilled, "not respawned: \(d.workers())\n\(d.logTail())")
            let status = try #require(d.get("/__status").response)
            let json = try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any]
            let counters = json?["counters"] as? [String: Any]
            #expect((counters?["crashed"] as? Int ?? 0) >= 1, "counters: \(String(describing: counters))")
        }

        @Test func bootFailureLoopBacksOff() throws {
            let d = try Daemon(["--timeout", "5"], workers: 2)
            defer { d.stop() }
            #expect(d.get("/__fault/boot-fail?on=1").response?.status == 200)
            let victim = try #require(d.workers().first)
            let spawnedBefore = d.events("worker_spawned").count
            #expect(SafeSignal.send(SIGKILL, to: victim.pid, expectedStartTime: victim.startTime))
            Thread.sleep(forTimeInterval: 2)   // the rate over a fixed window is the measurement
            let spawns = d.events("worker_spawned").count - spawnedBefore
            let delays = d.events("backoff").compactMap { $0["delay_ms"].flatMap(Int.init) }
            print("boot-fail loop: \(spawns) spawns in 2 s, backoff delays \(delays) ms")
            #expect(spawns >= 3 && spawns < 40, "spawn rate over 2 s: \(spawns)\n\(d.logTail())")
            #expect(delays.count >= 3 && zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 }, "delays must grow: \(delays)")
            #expect(d.events("worker_exited").contains { $0["reason"] == "boot_failed" }, "\(d.logTail())")
            // The surviving worker still serves, and turns the fault off.
            #expect(d.get("/").response?.status == 200, "the live worker stopped answering")
            #expect(d.get("/__fault/boot-fail?on=0").response?.status == 200)
            #expect(d.waitForWorkers(2, timeout: 7), "slot did not recover: \(d.workers())\n\(d.logTail())")
        }
    }
}

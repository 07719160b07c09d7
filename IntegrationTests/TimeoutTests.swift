import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// --timeout 1: a worker whose heartbeat stops is killed and replaced.
    @Suite struct TimeoutTests {
        /// Waits until `victim` left the master and the pool is full again.
        func replaced(_ d: Daemon, _ victim: Int32, workers: Int, timeout: Double) -> Bool {
            waitUntil(timeout: timeout, interval: 0.005) {
                let now = d.workers()
                return now.count == workers && !now.contains { $0.pid == victim }
            }
        }

        func loggedTimeout(_ d: Daemon, _ pid: Int32) -> Bool {
            waitUntil(timeout: 1) {
                d.events("worker_exited").contains { $0["pid"] == "\(pid)" && $0["reason"] == "killed_by_timeout" }
            }
        }

        @Test func stoppedWorkerIsKilled() throws {
            let d = try Daemon(["--timeout", "1"], workers: 2)
            defer { d.stop() }
            let victim = try #require(d.workers().first)
            let t0 = monotonicNanos()
            #expect(SafeSignal.send(SIGSTOP, to: victim.pid, expectedStartTime: victim.startTime))
            let ok = replaced(d, victim.pid, workers: 2, timeout: 2.5)
            let elapsed = millis(t0, monotonicNanos())
            #expect(ok, "SIGSTOPped worker \(victim.pid) not replaced within 2.5 s\n\(d.logTail())")
            #expect(loggedTimeout(d, victim.pid), "no reason=killed_by_timeout for \(victim.pid)\n\(d.logTail())")
            print("stopped worker replaced after \(Int(elapsed)) ms (--timeout 1)")
        }

        @Test func hungWorkerIsKilled() throws {
            let d = try Daemon(["--timeout", "1"], workers: 2)
            defer { d.stop() }
            let before = Set(d.workers().map(\.pid))
            let t0 = monotonicNanos()
            let r = d.get("/__fault/hang", timeout: 4)   // returns when the worker is killed
            #expect(r.response == nil, "a hang must not answer: \(r.summary)")
            var found: Int32?
            waitUntil(timeout: 2) {
                let killed = d.events("worker_exited").filter { $0["reason"] == "killed_by_timeout" }
                found = killed.compactMap { $0["pid"].flatMap(Int32.init) }.first { before.contains($0) }
                return found != nil
            }
            let victim = try #require(found, "no killed_by_timeout line for one of \(before)\n\(d.logTail())")
            let ok = replaced(d, victim, workers: 2, timeout: max(0.1, 2.5 - millis(t0, monotonicNanos()) / 1000))
            let elapsed = millis(t0, monotonicNanos())
            #expect(ok, "hung worker \(victim) not replaced within 2.5 s\n\(d.logTail())")
            print("hung worker replaced after \(Int(elapsed)) ms (--timeout 1)")
        }
    }
}

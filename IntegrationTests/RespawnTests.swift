import Curl
import Dispatch
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// 20 SIGKILLs of random workers: every slot is refilled; latencies printed.
    @Suite struct RespawnTests {
        @Test func everyKilledWorkerIsReplaced() throws {
            // --worker-connections 1: a worker busy with a probe accepts nothing
            // else, so three concurrent probes reach the three workers and the
            // new one is found answering without waiting for luck.
            let d = try Daemon(["--worker-connections", "1", "--timeout", "5"], workers: 3)
            defer { d.stop() }
            var seenLatency: [Double] = []
            var answerLatency: [Double] = []
            for round in 0..<20 {
                let before = d.workers()
                try #require(before.count == 3, "round \(round): \(before.count) workers before the kill\n\(d.logTail())")
                // A worker dying within 1 s of its spawn counts as a crash and
                // its slot backs off (by design): kill only workers older than that.
                let victim = before.min { $0.startTime < $1.startTime }!
                waitUntil(timeout: 1.5, interval: 0.01) { ProcessAge.seconds(victim) >= 1.1 }
                let t0 = monotonicNanos()
                try #require(SafeSignal.send(SIGKILL, to: victim.pid, expectedStartTime: victim.startTime))
                var newPid: Int32 = 0
                let refilled = waitUntil(timeout: 3, interval: 0.001) {
                    let now = d.workers()
                    guard now.count == 3, !now.contains(where: { $0.pid == victim.pid }),
                          let fresh = now.first(where: { w in !before.contains { $0.pid == w.pid } }) else { return false }
                    newPid = fresh.pid
                    return true
                }
                let t1 = monotonicNanos()
                try #require(refilled, "round \(round): slot not refilled in 3 s after killing \(victim.pid): \(d.workers())\n\(d.logTail())")
                let answered = waitUntil(timeout: 3, interval: 0) { probe(d).contains(newPid) }
                let t2 = monotonicNanos()
                try #require(answered, "round \(round): new worker \(newPid) never answered\n\(d.logTail())")
                seenLatency.append(millis(t0, t1))
                answerLatency.append(millis(t0, t2))
            }
            let seen = medianMax(seenLatency), answer = medianMax(answerLatency)
            print(String(format: "respawn latency over 20 SIGKILLs: kill->new child median %.2f ms max %.2f ms; kill->answering median %.2f ms max %.2f ms",
                         seen.median, seen.max, answer.median, answer.max))
            #expect(seen.max < 1000 && answer.max < 2000, "seen \(seenLatency) answering \(answerLatency)")
        }

        /// Three concurrent slow requests; returns the worker pids that answered.
        func probe(_ d: Daemon) -> Set<Int32> {
            let pids = Locked<Set<Int32>>([])
            DispatchQueue.concurrentPerform(iterations: 3) { _ in
                if let pid = d.get("/__fault/sleep?ms=5", timeout: 2).response?.workerPid {
                    pids.withLock { _ = $0.insert(pid) }
                }
            }
            return pids.withLock { $0 }
        }
    }
}

/// How long a process has been running, from its /proc start time.
enum ProcessAge {
    static func seconds(_ e: ProcessEntry) -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        return now - Double(e.startTime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// TTIN/TTOU resize the pool (never below 1); USR1 reopens the log file.
    @Suite struct SignalsTests {
        @Test func ttinAndTtouChangeTheWorkerCount() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            d.process.signal(SIGTTIN)
            #expect(d.waitForWorkers(3), "after TTIN: \(d.workers().count) workers\n\(d.logTail())")
            for expected in [2, 1] {
                d.process.signal(SIGTTOU)
                #expect(d.waitForWorkers(expected), "after TTOU: \(d.workers().count) workers, expected \(expected)")
            }
            // At 1 worker, TTOU must do nothing. Wait for the master to have
            // handled it (a TTIN after it is ordered behind it), then count.
            d.process.signal(SIGTTOU)
            d.process.signal(SIGTTOU)
            Thread.sleep(forTimeInterval: 0.3)   // absence of a change cannot be polled for
            #expect(d.workers().count == 1, "TTOU went below 1: \(d.workers())")
            #expect(d.get("/").response?.status == 200, "the last worker must still serve")
            d.process.signal(SIGTTIN)
            #expect(d.waitForWorkers(2), "TTIN after the floor: \(d.workers().count)\n\(d.logTail())")
        }

        @Test func usr1ReopensTheLog() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let rotated = d.logPath + ".1"
            #expect(rename(d.logPath, rotated) == 0)
            d.process.signal(SIGUSR1)
            #expect(waitUntil(timeout: 3) { FileManager.default.fileExists(atPath: d.logPath) },
                    "USR1 did not create a new \(d.logPath)")
            #expect(waitUntil(timeout: 3) { !d.events("log_reopened").isEmpty }, "no log_reopened in the new file")
            let victim = try #require(d.workers().first)
            #expect(SafeSignal.send(SIGKILL, to: victim.pid, expectedStartTime: victim.startTime))
            let landed = waitUntil(timeout: 3) {
                d.events("worker_exited").contains { $0["pid"] == "\(victim.pid)" } && !d.events("worker_spawned").isEmpty
            }
            #expect(landed, "worker_exited/worker_spawned after USR1 missing from the new file:\n\(d.logTail())")
            let old = LogLine.parseFile(rotated)
            #expect(!old.contains { $0["pid"] == "\(victim.pid)" && $0.event == "worker_exited" },
                    "the kill was logged into the rotated file")
            #expect(old.contains { $0.event == "master_ready" }, "the rotated file lost its old lines")
        }
    }
}

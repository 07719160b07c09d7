import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// The master SIGKILLed: every worker notices and is gone within 1 s.
    @Suite struct MasterKillTests {
        @Test func workersDieWithTheMaster() throws {
            // Orphans come to us, so a survivor cannot hide under init.
            try Subreaper.enable()
            let d = try Daemon([], workers: 3)
            defer { d.stop() }
            let group = d.master
            let workers = d.workers()
            try #require(workers.count == 3)
            let t0 = monotonicNanos()
            d.process.signal(SIGKILL)
            #expect(d.process.wait(timeout: 2) == .signaled(SIGKILL))
            let allGone = waitUntil(timeout: 1, interval: 0.002) {
                !ProcFS.groupMembers(group).contains { !$0.isZombie }
            }
            let elapsed = millis(t0, monotonicNanos())
            let violations = OrphanCheck.violations(workers: workers, observed: ProcFS.all(), runner: getpid())
            #expect(allGone && violations.isEmpty, "after 1 s:\n\(violations.joined(separator: "\n"))")
            // Adopted zombies are ours to reap, by pid and only this daemon's group.
            let reaped = Subreaper.reapOrphans(excluding: [], matching: { $0.pgrp == group })
            print("master SIGKILL: \(workers.count) workers gone after \(Int(elapsed)) ms; \(reaped.count) adopted and reaped by pid")
        }
    }
}

import Curl
import Foundation
import Harness
import Testing

extension Integration {
    /// No child of the master stays a zombie across two 10 ms samples while the
    /// master sleeps (a master waiting for a CPU gets up to 1 s: ZombieCheck),
    /// during a kill storm and during heavy lifetime churn, and none is left
    /// at the end.
    @Suite struct ZombieTests {
        /// Samples the master every 10 ms while `body` runs; checks the samples.
        func sampled(_ d: Daemon, _ what: String, _ body: () -> Void) -> [ProcessSample] {
            let sampler = ProcessSampler(master: d.master, interval: 0.01)
            sampler.start()
            body()
            _ = d.waitForWorkers(3, timeout: 6)   // backoff after young kills may delay the last refill
            let samples = sampler.stop()
            let violations = ZombieCheck.violations(samples)
            #expect(violations.isEmpty, "\(what): zombies:\n\(violations.joined(separator: "\n"))\n\(d.logTail())")
            let leftover = ProcFS.children(of: d.master).filter { $0.isZombie }
            #expect(leftover.isEmpty, "\(what): zombies at the end: \(leftover)")
            return samples
        }

        @Test func killStormLeavesNoZombie() throws {
            let d = try Daemon(["--timeout", "5"], workers: 3)
            defer { d.stop() }
            var kills: [UInt64] = []
            let samples = sampled(d, "kill storm") {
                let killer = Killer(d, every: 0.02)
                killer.start()
                Thread.sleep(forTimeInterval: 1.2)
                kills = killer.stop()
            }
            let zombiesSeen = samples.reduce(0) { $0 + $1.children.filter(\.isZombie).count }
            print("zombie check, kill storm: \(samples.count) samples, \(kills.count) SIGKILLs, \(zombiesSeen) single-sample zombie sightings")
            #expect(kills.count >= 10, "too few kills to prove anything: \(kills.count)")
        }

        @Test func lifetimeChurnLeavesNoZombie() throws {
            let d = try Daemon(["--lifetime", "1", "--timeout", "5"], workers: 3)
            defer { d.stop() }
            var records: [RequestRecord] = []
            let samples = sampled(d, "lifetime 1 churn") {
                records = LoadLoop(LoadOptions(url: d.url, concurrency: 8, duration: 1.5, keepAlive: false, timeout: 3))
                    .run(stop: StopFlag())
            }
            let workers = Set(records.compactMap(\.workerPid))
            print("zombie check, lifetime 1 churn: \(samples.count) samples, \(records.count) requests answered by \(workers.count) distinct workers")
            #expect(workers.count >= 50, "too little churn to prove anything: \(workers.count) workers")
        }
    }
}

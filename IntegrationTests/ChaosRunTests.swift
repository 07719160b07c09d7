import Chaos
import Foundation
import Testing

/// Short chaos runs against the built preforkd: clean, and with each planted
/// defect, whose matching invariant must FAIL with evidence.
@Suite(.serialized) struct ChaosRunTests {
    func config(_ faults: [FaultKind], defect: String? = nil, lifetime: Int = 100) -> ChaosConfig {
        var c = ChaosConfig()
        c.duration = 4
        c.seed = 7
        c.workers = 3
        c.lifetime = lifetime
        c.concurrency = 8
        c.faults = faults
        c.killEvery = 0.3
        c.timeout = 1
        c.gracefulTimeout = 1.5
        c.quiet = true
        c.limits.respawnDeadline = 1.0
        if let d = defect { c.extraArgs = ["--planted-defect", d] }
        return c
    }

    @Test func cleanRunPasses() throws {
        let r = try runChaos(config([.kill, .crash, .signalStorm, .malformed]))
        for v in r.verdicts where v.id != "lifetime" {
            #expect(v.status != .fail, "\(v.id): \(v.summary) \(v.evidence)")
        }
        #expect(r.verdict("lifetime")?.status != .fail, "\(r.verdict("lifetime")?.evidence ?? [])")
        #expect(r.faultsInjected >= 3)
    }

    @Test func noRespawnFailsRespawn() throws {
        let r = try runChaos(config([.kill], defect: "no-respawn"))
        let v = try #require(r.verdict("respawn"))
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("died") == true && v.evidence.first?.contains("pid=") == true)
    }

    @Test func noReapFailsNoZombies() throws {
        let r = try runChaos(config([.kill], defect: "no-reap"))
        let v = try #require(r.verdict("no-zombies"))
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("zombie since") == true)
    }

    @Test func extraRequestFailsLifetime() throws {
        let r = try runChaos(config([.malformed], defect: "extra-request", lifetime: 20))
        let v = try #require(r.verdict("lifetime"))
        #expect(v.status == .fail, "\(v.summary)")
        #expect(v.evidence.contains { $0.contains("> lifetime budget 20") })
    }

    @Test func noTimeoutKillFailsHungWorker() throws {
        // Lifetime 0: with --lifetime 100 a worker retires every few ms under
        // this load, so a SIGSTOP often hit a worker already exiting (gone in
        // time: verdict pass) or one replaced between listing and signal
        // (nothing applied: skip), and the planted defect went unseen.
        var c = config([.stop], defect: "no-timeout-kill", lifetime: 0)
        c.duration = 6
        let r = try runChaos(c)
        let v = try #require(r.verdict("hung-worker"))
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("stopped worker pid=") == true)
    }

    /// `--workers auto` against a foreign pre-forking server (contrib/ci's
    /// Python one): the count comes from /proc, and the run judges with it.
    @Test(arguments: [2, 4]) func workersAutoCountsForeignWorkers(n: Int) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("contrib/ci/prefork_http.py").path
        var c = config([.kill])
        c.duration = 3
        c.workers = 99   // ignored: auto counts
        c.workersAuto = true
        c.command = ["python3", script, "{port}", "--workers", "\(n)"]
        let r = try runChaos(c)
        #expect(r.workers == n)
        #expect(r.verdict("respawn")?.status == .pass, "\(r.verdict("respawn")?.evidence ?? [])")
        #expect(r.reproduce.contains("--workers auto"))
    }

    /// A server with no worker processes is refused with a setup error (exit 2), not judged.
    @Test func workersAutoRefusesServerWithoutWorkers() throws {
        var c = config([.kill])
        c.workersAuto = true
        c.command = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "{port}"]
        #expect(throws: ChaosSetupError.self) { try runChaos(c) }
    }
}

import Chaos
import Foundation
import Testing

/// Short chaos runs with planned changes against the built preforkd (and a
/// small lossy server): upgrades under kills, crashes and retirements pass
/// every invariant with 0 lost; each planted defect fails its invariant.
@Suite(.serialized) struct PlannedChangeTests {
    func config(_ faults: [FaultKind], defect: String? = nil, duration: Double = 8) -> ChaosConfig {
        var c = ChaosConfig()
        c.duration = duration
        c.seed = 7
        c.workers = 3
        c.concurrency = 8
        c.lifetime = 30
        c.faults = faults
        c.killEvery = 0.3
        c.timeout = 2
        c.gracefulTimeout = 2
        c.quiet = true
        if let d = defect { c.extraArgs = ["--planted-defect", d] }
        return c
    }

    func applied(_ r: ChaosReport, _ k: FaultKind) -> Int { r.faults.filter { $0.kind == k && $0.applied }.count }

    @Test func upgradesUnderLoadPass() throws {
        let r = try runChaos(config([.upgrade, .kill, .crash], duration: 10))
        for v in r.verdicts { #expect(v.status != .fail, "\(v.id): \(v.summary) \(v.evidence)") }
        #expect(applied(r, .upgrade) >= 2, "\(r.faults.filter { $0.kind == .upgrade }.map(\.detail))")
        for id in ["zero-loss-planned", "handover", "generations"] {
            #expect(r.verdict(id)?.status == .pass, "\(id): \(r.verdict(id)?.summary ?? "missing")")
        }
        #expect(r.verdict("zero-loss-planned")?.metrics["upgrade_lost"] == 0)
    }

    @Test func badUpgradesRollBack() throws {
        let r = try runChaos(config([.badUpgrade, .upgrade], duration: 9))
        for v in r.verdicts { #expect(v.status != .fail, "\(v.id): \(v.summary) \(v.evidence)") }
        #expect(applied(r, .badUpgrade) >= 1)
        #expect(r.verdict("rollback")?.status == .pass, "\(r.verdict("rollback")?.summary ?? "")")
    }

    @Test func listenerShutdownOnUpgradeFails() throws {
        let r = try runChaos(config([.upgrade], defect: "upgrade-shutdown-listener", duration: 6))
        let failed = ["zero-loss-planned", "handover"].filter { r.verdict($0)?.status == .fail }
        let said = ["zero-loss-planned", "handover"].map { "\($0): \(r.verdict($0)?.summary ?? "missing")" }
        #expect(!failed.isEmpty, "\(said)")
    }

    @Test func noRollbackFailsRollback() throws {
        let r = try runChaos(config([.badUpgrade], defect: "upgrade-no-rollback", duration: 7))
        let v = try #require(r.verdict("rollback"))
        #expect(v.status == .fail, "\(v.summary)")
        #expect(v.evidence.first?.contains("failed build still running") == true, "\(v.evidence)")
    }

    @Test func scaleChurnLosesNothing() throws {
        // TTOU / TTIN and back, alone: a scale-down retires a worker gracefully, a scale-up adds one.
        let r = try runChaos(config([.scaleDown, .scaleUp], duration: 8))
        for v in r.verdicts { #expect(v.status != .fail, "\(v.id): \(v.summary) \(v.evidence)") }
        #expect(applied(r, .scaleDown) >= 2 && applied(r, .scaleUp) >= 2, "\(r.faults.map(\.detail))")
        let v = try #require(r.verdict("zero-loss-planned"))
        #expect(v.status == .pass, "\(v.summary) \(v.evidence)")
        #expect(v.metrics["scale-down_lost"] == 0 && v.metrics["scale-up_lost"] == 0)
        #expect(v.metrics["scale-down_requests"] ?? 0 > 0, "\(v.summary)")
    }

    /// The retirement-fresh-connections scenario: one connection per request, workers retiring at `lifetime`.
    func retirementRun(lifetime: Int) throws -> ChaosReport {
        var c = config([.malformed], duration: 8)
        try c.apply(Scenario.load(Self.scenarioPath("retirement-fresh-connections")))
        c.duration = 8
        c.lifetime = lifetime
        c.workers = 3
        c.quiet = true
        return try runChaos(c)
    }

    static func scenarioPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("chaos/scenarios/\(name).json").path
    }

    @Test(arguments: [20, 1]) func retirementFreshConnectionsLoseNothing(lifetime: Int) throws {
        let r = try retirementRun(lifetime: lifetime)
        let stopJudged: Set = ["zero-loss-planned", "clean-shutdown"]
        for v in r.verdicts where !stopJudged.contains(v.id) {
            #expect(v.status != .fail, "lifetime \(lifetime) \(v.id): \(v.summary) \(v.evidence)")
        }
        let v = try #require(r.verdict("zero-loss-planned"))
        #expect(v.metrics["retirement_events"] ?? 0 >= 10, "\(v.summary)")
        #expect(v.metrics["retirement_lost"] == 0, "\(v.summary) \(v.evidence)")
        // At lifetime 1 the workers spend their time respawning, so the accept
        // backlog holds requests at the stop signal. Each worker now takes
        // what is queued before it closes the listener, and reads a silent-
        // looking connection before closing it (16-17 x curl 56 before those
        // fixes, 0-1 after), but a worker whose one unit is spent cannot take
        // any, and a stop does not start replacements: a request queued then
        // (seen: sent 52 ms before SIGTERM) is still reset. Known limit: the
        // fix is a successor started when retirement begins (chaos/README).
        withKnownIssue("a stop with every worker spent resets what is queued", isIntermittent: true) {
            for v in r.verdicts where stopJudged.contains(v.id) {
                #expect(v.status == .pass, "lifetime \(lifetime) \(v.id): \(v.summary) \(v.evidence)")
            }
        }
    }

    @Test func retirementDroppingConnectionsFailsZeroLossPlanned() throws {
        // Keep-alive, lifetime 30: a worker that exits at its last unit leaves that request unanswered.
        let r = try runChaos(config([.malformed], defect: "retirement-drops-connections", duration: 6))
        let v = try #require(r.verdict("zero-loss-planned"))
        #expect(v.status == .fail, "\(v.summary)")
        #expect(v.metrics["retirement_lost"] ?? 0 > 0, "\(v.summary)")
        #expect(v.evidence.first?.contains("retirement of pid=") == true, "\(v.evidence)")
    }

    /// A tiny prefork server whose HUP reload kills its workers and closes
    /// the listener for 300 ms before binding again: refusals and resets.
    static let lossyReloadServer = """
    import os, signal, socket, sys, time
    port, n = int(sys.argv[1]), 2
    def listen():
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port)); s.listen(128); return s
    def serve(s):
        signal.signal(signal.SIGTERM, signal.SIG_DFL); signal.signal(signal.SIGHUP, signal.SIG_DFL)
        while True:
            c, _ = s.accept(); data = b""
            try:
                while b"\\r\\n\\r\\n" not in data:
                    chunk = c.recv(4096)
                    if not chunk: break
                    data += chunk
                if data: c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok")
            except OSError: pass
            c.close()
    def spawn(s):
        pid = os.fork()
        if pid == 0:
            serve(s); os._exit(0)
        return pid
    flags = {"reload": False, "stop": False}
    signal.signal(signal.SIGHUP, lambda *a: flags.update(reload=True))
    signal.signal(signal.SIGTERM, lambda *a: flags.update(stop=True))
    s = listen(); kids = [spawn(s) for _ in range(n)]
    while not flags["stop"]:
        time.sleep(0.01)
        if flags["reload"]:
            flags["reload"] = False
            for k in kids: os.kill(k, signal.SIGKILL)
            for k in kids: os.waitpid(k, 0)
            s.close(); time.sleep(0.3); s = listen(); kids = [spawn(s) for _ in range(n)]
        try:
            while True:
                pid, _ = os.waitpid(-1, os.WNOHANG)
                if pid == 0: break
                if pid in kids: kids.remove(pid); kids.append(spawn(s))
        except ChildProcessError: pass
    for k in kids: os.kill(k, signal.SIGTERM)
    for k in kids: os.waitpid(k, 0)
    """

    @Test func lossyReloadFailsZeroLossPlanned() throws {
        let dir = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = dir + "/lossy-reload.py"
        try Self.lossyReloadServer.write(toFile: script, atomically: true, encoding: .utf8)
        var c = config([.reload], duration: 7)
        c.command = ["python3", script, "{port}"]
        c.workers = 2
        c.lifetime = 0
        c.keepAlive = false
        c.killEvery = 0.5
        c.reloadSignal = "HUP"
        let r = try runChaos(c)
        #expect(applied(r, .reload) >= 1, "\(r.faults.map(\.detail))")
        let v = try #require(r.verdict("zero-loss-planned"))
        #expect(v.status == .fail, "\(v.summary)")
        #expect(v.evidence.first?.contains("during reload #") == true, "\(v.evidence)")
    }
}

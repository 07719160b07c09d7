import ArgumentParser
import Chaos
import Foundation
import PreforkVersion

/// chaos-run: seeded chaos against preforkd or any prefork server, judged by
/// invariants over the recorded history. Exit 0 all pass, 1 a FAIL, 2 usage/setup.
@main
struct ChaosRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos-run",
        abstract: "Inject seeded faults into a prefork server under load and judge invariants.",
        discussion: "Without `-- COMMAND`, runs the preforkd beside this binary with --port 0 --fault-injection. "
            + "A foreign COMMAND gets {port} replaced by a free port.",
        version: PreforkVersion.string)

    @Option(help: "Seconds of load and faults before the shutdown signal (default 60).") var duration: Double?
    @Option(help: "PRNG seed; same seed, same fault schedule.") var seed: UInt64?
    @Option(help: "Expected worker count N (default 5), or 'auto': count the target's workers from /proc once it answers.")
    var workers: String?
    @Option(help: "Requests per worker, 0 = unlimited (default 100).") var lifetime: Int?
    @Option(help: "Concurrent requests (default 32).") var concurrency: Int?
    @Option(name: .customLong("load-threads"), help: "Load-loop threads sharing the concurrency (default 2).")
    var loadThreads: Int?
    @Option(help: "Total requests per second (default: as fast as possible).") var rate: Double?
    @Flag(name: .customLong("keep-alive"), help: "Reuse connections (default).") var keepAlive = false
    @Flag(name: .customLong("fresh-connections"), help: "One connection per request.") var fresh = false
    @Option(help: "Comma-separated faults: kill,stop,crash,hang,signal-storm,slowloris,malformed,master-kill,boot-fail, the planned changes upgrade,bad-upgrade,reload,scale-down,scale-up, and the environment faults group-freeze,master-stop,log-stall,log-full,slowloris-flood,fd-limit,cpu-throttle,toxic-clients; 'none' for a plain load run.")
    var faults: String?
    @Option(name: .customLong("kill-every"), help: "Mean seconds between faults (default 0.5).") var killEvery: Double?
    @Option(help: "Shutdown signal(s): INT, TERM, HUP, QUIT; a comma list rotates by seed.") var shutdown: String?
    @Option(help: "Daemon heartbeat timeout in seconds (default 2).") var timeout: Double?
    @Option(name: .customLong("graceful-timeout"), help: "Daemon graceful timeout (default 5).") var gracefulTimeout: Double?
    @Flag(help: "Send the load through the fault proxy: a benign toxic per connection (latency, bandwidth, slicer).")
    var proxy = false
    @Option(help: "Scenario file or name in chaos/scenarios/.") var scenario: String?
    @Flag(help: "List the scenarios and exit.") var list = false
    @Option(help: "JSON report path (default chaos/reports/<timestamp>-<seed>.json).") var report: String?
    @Option(help: "JUnit XML path.") var junit: String?
    @Option(help: "Save the full recorded history (JSON) here.") var history: String?
    @Option(help: "HTML report path (default: beside the JSON report, .html).") var html: String?
    @Option(name: .customLong("max-lost-per-death"), help: "SLO: fail when more requests are lost per worker death.")
    var maxLostPerDeath: Double?
    @Option(name: .customLong("max-respawn-p99"), help: "SLO: fail when the respawn p99 exceeds this many seconds.")
    var maxRespawnP99: Double?
    @Option(name: .customLong("min-rps"), help: "SLO: fail below this many load requests per second.") var minRps: Double?
    @Option(name: .customLong("max-p99-ms"), help: "SLO: fail when the p99 latency outside fault windows exceeds this (ms).")
    var maxP99Ms: Double?
    @Flag(help: "No progress output.") var quiet = false
    @Option(name: .customLong("preforkd"), help: "preforkd binary (default: beside chaos-run).") var preforkd: String?
    @Option(name: .customLong("extra-arg"), parsing: .unconditionalSingleValue,
            help: "Extra preforkd argument(s), space separated (e.g. '--planted-defect no-reap').")
    var extraArg: [String] = []
    @Option(name: .customLong("upgrade-signal"), help: "Foreign server: signal for a re-exec upgrade (unicorn, nginx, gunicorn: USR2).")
    var upgradeSignal: String?
    @Option(name: .customLong("upgrade-finish"), help: "Foreign server: signal to the old master once the new one has its workers (QUIT; gunicorn: TERM).")
    var upgradeFinish: String?
    @Option(name: .customLong("reload-signal"), help: "Foreign server: in-place reload signal (gunicorn, unicorn, nginx: HUP; apache2: USR1).")
    var reloadSignal: String?
    @Option(name: .customLong("scale-down-signal"), help: "One worker less (default TTOU).") var scaleDownSignal: String?
    @Option(name: .customLong("scale-up-signal"), help: "One worker more (default TTIN).") var scaleUpSignal: String?
    @Option(name: .customLong("pid-file"), help: "Foreign server's pid file: names the current master after an upgrade.")
    var pidFile: String?
    @Argument(parsing: .postTerminator, help: "Foreign server command; {port} is replaced.") var command: [String] = []

    func run() throws {
        if list {
            for s in Scenario.list() { print(pad(s.name) + s.description) }
            return
        }
        let config: ChaosConfig
        do { config = try makeConfig() } catch let e as ChaosSetupError {
            FileHandle.standardError.write(Data("chaos-run: \(e)\n".utf8))
            throw ExitCode(2)
        }
        do {
            let r = try runChaos(config)
            print(r.renderText())
            let path = try r.writeJSON(to: config.reportPath)
            FileHandle.standardError.write(Data("report: \(path)\n".utf8))
            let page = config.htmlPath ?? ChaosReport.htmlPath(besideJSON: path)
            try r.writeHTML(to: page)
            FileHandle.standardError.write(Data("html report: \(page)\n".utf8))
            if let j = config.junitPath { try r.writeJUnit(to: j) }
            throw ExitCode(r.exitCode)
        } catch let e as ChaosSetupError {
            FileHandle.standardError.write(Data("chaos-run: setup failed: \(e)\n".utf8))
            throw ExitCode(2)
        }
    }

    func makeConfig() throws -> ChaosConfig {
        var c = ChaosConfig()
        if let s = scenario { try c.apply(Scenario.load(s)) }
        if let v = duration { c.duration = v }
        if let v = seed { c.seed = v }
        if let v = workers {
            if v == "auto" { c.workersAuto = true } else if let n = Int(v) { c.workers = n } else {
                throw ChaosSetupError("--workers takes a number or 'auto', got '\(v)'")
            }
        }
        if let v = lifetime { c.lifetime = v }
        if let v = concurrency { c.concurrency = v }
        if let v = loadThreads { c.loadThreads = v }
        if let v = rate { c.rate = v }
        if keepAlive && fresh { throw ChaosSetupError("--keep-alive and --fresh-connections exclude each other") }
        if keepAlive { c.keepAlive = true }
        if fresh { c.keepAlive = false }
        if let v = faults { c.faults = try FaultKind.parseList(v.split(separator: ",").map(String.init)) }
        if let v = killEvery { c.killEvery = v }
        if let v = shutdown { c.shutdown = try v.split(separator: ",").map { try ShutdownSignal.validate(String($0)) } }
        if let v = timeout { c.timeout = v }
        if let v = gracefulTimeout { c.gracefulTimeout = v }
        if proxy { c.proxy = true }
        if !extraArg.isEmpty { c.extraArgs = extraArg.flatMap { $0.split(separator: " ").map(String.init) } }
        if !command.isEmpty { c.command = command }
        // Unknown signal names are usage errors (exit 2), before anything starts.
        for v in [upgradeSignal, upgradeFinish, reloadSignal, scaleDownSignal, scaleUpSignal].compactMap({ $0 }) {
            _ = try SignalName.number(v)
        }
        if let v = upgradeSignal { c.upgradeSignal = v }
        if let v = upgradeFinish { c.upgradeFinish = v }
        if let v = reloadSignal { c.reloadSignal = v }
        if let v = scaleDownSignal { c.scaleDownSignal = v }
        if let v = scaleUpSignal { c.scaleUpSignal = v }
        if let v = pidFile { c.pidFile = v }
        c.preforkdPath = preforkd
        c.reportPath = report
        c.junitPath = junit
        c.historyPath = history
        c.htmlPath = html
        c.slo = SLOThresholds(maxLostPerDeath: maxLostPerDeath, maxRespawnP99: maxRespawnP99, minRPS: minRps,
                              maxP99ms: maxP99Ms)
        c.quiet = quiet
        guard c.duration > 0, c.workers > 0, c.concurrency > 0, c.loadThreads > 0 else {
            throw ChaosSetupError("duration, workers, concurrency and load-threads must be positive")
        }
        return c
    }

    private func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, 26 - s.count)) }
}

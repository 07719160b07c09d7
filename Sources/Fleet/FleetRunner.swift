import Chaos
import Foundation
import Glibc
import Harness

/// Builds the fleet, runs load and faults, tears everything down, judges.
public enum FleetRunner {
    /// Throws `FleetSetupError` when the run cannot start (exit 2); otherwise
    /// the report (exit 0 or 1 by its verdicts).
    public static func run(_ c: FleetConfig) throws -> FleetReport {
        try preflight(c)
        try Subreaper.enable()
        let stale = Namespaces.removeStale()
        if !stale.isEmpty { log(c, "removed stale namespaces of dead runs: \(stale.joined(separator: " "))") }
        let t = Topology(runID: getpid(), hosts: c.hosts)
        let dir = try reportDirectory(c)
        let socket = "\(dir)/haproxy.sock"
        guard socket.utf8.count < 100 else { throw FleetSetupError("report dir too long for a Unix socket path: \(socket)") }
        let cfg = "\(dir)/haproxy.cfg"
        try HAProxyConfig.render(t, statsSocket: socket, timing: c.timing).write(toFile: cfg, atomically: true, encoding: .utf8)
        try Command.run(c.haproxyPath, ["-c", "-q", "-f", cfg])
        try Namespaces.create(t)
        let fleet = Fleet(config: c, topology: t, dir: dir, socket: socket, cfg: cfg)
        defer {
            fleet.tearDown()
            let left = Namespaces.remove(t)
            if !left.isEmpty { log(c, "could not remove namespaces: \(left.joined(separator: " "))") }
            do { try Sys.unlink(socket) } catch { log(c, "could not remove \(socket): \(error)") }
        }
        return try fleet.run()
    }

    static func preflight(_ c: FleetConfig) throws {
        guard geteuid() == 0 else { throw FleetSetupError("must run as root: it creates network namespaces (ip netns)") }
        for tool in ["ip", "tc", c.haproxyPath] where which(tool) == nil {
            throw FleetSetupError("\(tool) not found in PATH (apt-get install \(tool == "ip" || tool == "tc" ? "iproute2" : "haproxy"))")
        }
        guard Sys.accessible(preforkdPath(c), X_OK) else { throw FleetSetupError("preforkd not found at \(preforkdPath(c))") }
        guard c.hosts >= 2, c.hosts < 100 else { throw FleetSetupError("--hosts must be 2...99 (one host is out at a time)") }
        guard c.duration > 0, c.faultInterval > 0 else { throw FleetSetupError("--duration and --fault-interval must be positive") }
    }

    static func which(_ tool: String) -> String? {
        if tool.contains("/") { return Sys.accessible(tool, X_OK) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        return (path.split(separator: ":") + ["/usr/sbin", "/sbin"]).map { "\($0)/\(tool)" }.first { Sys.accessible($0, X_OK) }
    }

    static func preforkdPath(_ c: FleetConfig) -> String {
        c.preforkdPath ?? (URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/preforkd")
    }

    /// ABSOLUTE: the hosts and HAProxy get paths inside it.
    static func reportDirectory(_ c: FleetConfig) throws -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        var d = c.reportDir ?? "chaos/reports/fleet-\(f.string(from: Date()))-\(c.seed)"
        if !d.hasPrefix("/") { d = FileManager.default.currentDirectoryPath + "/" + d }
        d = URL(fileURLWithPath: d).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func log(_ c: FleetConfig, _ s: String) {
        FileHandle.standardError.write(Data("fleet-run: \(s)\n".utf8))
    }
}

/// The live parts of one run.
final class Fleet {
    let c: FleetConfig
    let t: Topology
    let dir: String
    let socket: String
    let cfg: String
    var hosts: [FleetHost] = []
    var haproxy: SpawnedProcess?

    init(config: FleetConfig, topology: Topology, dir: String, socket: String, cfg: String) {
        c = config
        t = topology
        self.dir = dir
        self.socket = socket
        self.cfg = cfg
    }

    func run() throws -> FleetReport {
        let life = c.duration + 180
        let preforkd = FleetRunner.preforkdPath(c)
        let drainDelay = (try? Command.output(preforkd, ["--help"]))?.contains("--drain-delay <") ?? false
        if !drainDelay { FleetRunner.log(c, "\(preforkd) has no --drain-delay: hosts stop at once on TERM") }
        hosts = (0..<c.hosts).map {
            FleetHost(index: $0, topology: t, preforkd: preforkd, dir: dir, extraArgs: c.extraArgs, lifetime: life,
                      drainDelay: drainDelay)
        }
        for h in hosts { try h.start() }
        haproxy = try SpawnedProcess.spawn("ip", ["netns", "exec", t.balancerNamespace, c.haproxyPath, "-db", "-f", cfg],
                                           deadline: life, newProcessGroup: true)
        let stats = StatsPoller(socket: socket)
        let up = waitUntil(timeout: 10, interval: 0.05) {
            stats.poll()
            return (0..<c.hosts).allSatisfy { stats.current[t.serverName($0)] == "UP" }
        }
        guard up else { throw FleetSetupError("HAProxy did not report every host UP within 10 s: \(stats.current); haproxy stderr: \(haproxy?.stderrText.suffix(1000) ?? "")") }
        try checkInterrupt()
        return try loadAndFaults(stats)
    }

    private func loadAndFaults(_ stats: StatsPoller) throws -> FleetReport {
        let plan = FleetSchedule.make(seed: c.seed, duration: c.duration, kinds: c.faults, hosts: c.hosts,
                                      interval: c.faultInterval, cooldown: 4)
        var history = FleetHistory(seed: c.seed, hosts: c.hosts, timing: c.timing)
        stats.start()
        let sampler = HostSampler(hosts: hosts)
        sampler.start()
        let load = FleetLoad(url: t.frontendURL, namespace: t.clientNamespace, seed: c.seed)
        load.start()
        let faults = FleetFaults(plan: plan, hosts: hosts, topology: t, stats: stats, timing: c.timing)
        faults.start()
        let t0 = monotonicSeconds()
        while monotonicSeconds() - t0 < c.duration && !Interrupts.requested {
            Sys.sleep(0.5)
            if !c.quiet { live(monotonicSeconds() - t0, load, faults, stats) }
        }
        if !c.quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        faults.stop()
        load.stop()
        // Let a last recovery show in show stat before judging capacity.
        _ = waitUntil(timeout: 6, interval: 0.1) { (0..<c.hosts).allSatisfy { stats.current[t.serverName($0)] == "UP" } }
        stats.stop()
        sampler.stop()
        if let r = HAProxyStats.readRetries(socket: socket) {
            history.balancerRetries = r.retries
            history.balancerRedispatches = r.redispatches
        }
        try checkInterrupt()
        history.requests = load.requests
        history.faults = faults.faults
        history.stats = stats.history
        history.samples = sampler.all
        history.masterMissing = sampler.masterMissing
        history.end = Date().timeIntervalSince1970
        history.hostLogs = hosts.map {
            HostLog(host: $0.index, access: LogParsing.accessLines(LogParsing.read($0.accessLog)),
                    drainStarts: LogParsing.drainStarts(LogParsing.read($0.eventLog)))
        }
        try? JSONEncoder().encode(history).write(to: URL(fileURLWithPath: "\(dir)/history.json"))
        return report(history, problems: load.errors + faults.errors)
    }

    private func report(_ h: FleetHistory, problems: [String]) -> FleetReport {
        var verdicts = FleetInvariants.judge(h)
        if !problems.isEmpty {
            verdicts.append(Verdict(id: "faults-applied", status: .fail, summary: "\(problems.count) fault(s) or load threads failed",
                                    evidence: Array(problems.prefix(5))))
        }
        let gets = h.requests.filter { $0.method == .get }
        let posts = h.requests.filter { $0.method == .post }
        let counts = Dictionary(grouping: h.faults, by: \.kind.rawValue).mapValues(\.count)
        let r = FleetReport(seed: c.seed, duration: c.duration, hosts: c.hosts, verdicts: verdicts, gets: gets.count,
                            failedGets: gets.filter { !$0.succeeded }.count, posts: posts.count,
                            failedPosts: posts.filter { !$0.succeeded }.count, faultCounts: counts, faults: h.faults,
                            problems: problems, reproduce: c.reproduce, reportDir: dir)
        return r
    }

    private func live(_ elapsed: Double, _ load: FleetLoad, _ faults: FleetFaults, _ stats: StatsPoller) {
        let n = load.counts.value
        let states = (0..<c.hosts).map { "h\($0)=\(stats.current[t.serverName($0)] ?? "?")" }.joined(separator: " ")
        let line = String(format: "\r[%5.1fs] requests %d failed %d faults %d  %@   ", elapsed, n.done, n.failed,
                          faults.faults.count, states)
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func checkInterrupt() throws {
        if Interrupts.requested { throw FleetSetupError("interrupted: the fleet was torn down") }
    }

    /// Every host and HAProxy killed by process group, orphans reaped.
    func tearDown() {
        for h in hosts { h.kill() }
        haproxy?.terminateAndReap()
        Subreaper.killOrphans(excluding: []) { $0.comm == "preforkd" || $0.comm == "haproxy" }
    }
}

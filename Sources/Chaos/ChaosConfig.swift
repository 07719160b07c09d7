/// Everything a chaos run needs to know: flags and scenario merged.
/// Precedence: defaults < scenario file < explicit flags (the executable
/// applies flags after the scenario).
public struct ChaosConfig: Sendable {
    /// Seconds of load and faults before the shutdown signal.
    public var duration: Double = 60
    /// nil: drawn from the clock, then printed so the run can be reproduced.
    public var seed: UInt64?
    public var workers = 5
    /// `--workers auto`: count the target's workers from /proc once it answers.
    public var workersAuto = false
    public var lifetime = 100
    public var lifetimeJitter = 0
    public var concurrency = 32
    /// Load-loop threads (each its own curl multi handle) sharing `concurrency`.
    /// libcurl costs about twice wrk's CPU per request; one thread reaches
    /// about half of wrk -t1 on two cores, two come close (chaos/README.md).
    public var loadThreads = 2
    /// Total requests per second on a fixed schedule; nil = as fast as possible.
    public var rate: Double?
    public var keepAlive = true
    /// nil: the default set for the target (preforkd or foreign).
    public var faults: [FaultKind]?
    /// Mean seconds between faults.
    public var killEvery = 0.5
    /// Route the load through the fault proxy, a benign toxic per connection
    /// (latency with jitter, bandwidth, slicer): slow and fragmented clients.
    public var proxy = false
    /// Seconds a log-stall, slowloris-flood or fd-limit fault lasts.
    public var environmentLength = 3.0
    /// Shutdown signals; the seed picks one (scenarios rotate INT/TERM/HUP).
    public var shutdown: [String] = ["TERM"]
    /// Daemon heartbeat timeout (s) passed to preforkd and used by hung-worker.
    public var timeout = 2.0
    public var gracefulTimeout = 5.0
    /// A foreign command with a `{port}` placeholder; nil runs preforkd.
    public var command: [String]?
    /// preforkd binary; nil: beside the running executable.
    public var preforkdPath: String?
    /// Extra preforkd arguments (e.g. `--planted-defect no-reap`).
    public var extraArgs: [String] = []
    public var reportPath: String?
    public var junitPath: String?
    /// Where to save the full recorded history (JSON), for re-judging or debugging.
    public var historyPath: String?
    /// HTML report path; nil: beside the JSON report (its name with .html).
    public var htmlPath: String?
    /// Optional CI thresholds; each one set adds a verdict row.
    public var slo = SLOThresholds()
    public var quiet = false
    /// Seconds between plain progress lines (or display refreshes on a TTY).
    public var progressInterval = 1.0
    public var limits = Limits()
    /// The scenario file's name, if one was applied.
    public var scenarioName: String?
    /// Flags as typed, for the reproduce line.
    public var reproduceArgs: [String] = []
    /// Planned changes to a foreign server (preforkd: USR2 upgrade, no reload, TTOU/TTIN).
    public var upgradeSignal: String?
    public var upgradeFinish: String?
    public var reloadSignal: String?
    public var scaleDownSignal = "TTOU"
    public var scaleUpSignal = "TTIN"
    /// preforkd's --upgrade-timeout in runs with bad-upgrade faults: a never-ready build is rolled back after it.
    public var upgradeTimeout = 1.0
    /// A foreign server's pid file, naming its current master after an upgrade.
    public var pidFile: String?

    public init() {}

    /// Whether the target is preforkd (fault endpoints and worker headers expected).
    public var isPreforkd: Bool { command == nil }

    /// The fault kinds in force.
    public var effectiveFaults: [FaultKind] {
        if let f = faults { return f }
        return isPreforkd ? [.kill, .stop, .crash, .hang, .signalStorm, .slowloris, .malformed]
                          : [.kill, .stop, .slowloris, .malformed]
    }

    /// The shutdown signal this seed picks.
    public func shutdownSignal(seed: UInt64) -> String {
        shutdown.isEmpty ? "TERM" : shutdown[Int(seed % UInt64(shutdown.count))]
    }

    /// The fault plan for `seed`.
    public func schedule(seed: UInt64) -> FaultSchedule {
        FaultSchedule.make(seed: seed, duration: duration, kinds: effectiveFaults, interval: killEvery,
                           cooldown: max(1.5, limits.respawnDeadline + 0.5),
                           stuckSpacing: timeout + max(limits.hangSlack, timeout * 0.5) + 1,
                           environment: environmentTiming)
    }

    /// Environment faults last `environmentLength`; the master pauses at
    /// least half the timeout longer than --timeout, so a heartbeat check
    /// right after them would find every worker stale; the gap leaves the
    /// recovery deadline to be judged.
    public var environmentTiming: EnvironmentTiming {
        EnvironmentTiming(length: environmentLength, pauseLength: max(environmentLength, timeout * 1.5 + 0.5),
                          gap: limits.env.recoveryDeadline)
    }

    /// Whether any environment fault is in force (log pipes, liveness prober).
    public var hasEnvironmentFaults: Bool { effectiveFaults.contains(where: \.isEnvironment) }

    /// Applies the fields a scenario sets.
    public mutating func apply(_ s: Scenario) throws {
        scenarioName = s.name
        if let v = s.duration { duration = v }
        if let v = s.seed { seed = v }
        if let v = s.workers { workers = v }
        if let v = s.lifetime { lifetime = v }
        if let v = s.lifetimeJitter { lifetimeJitter = v }
        if let v = s.concurrency { concurrency = v }
        if let v = s.loadThreads { loadThreads = v }
        if let v = s.rate { rate = v }
        if let v = s.keepAlive { keepAlive = v }
        if let v = s.faults { faults = try FaultKind.parseList(v) }
        if let v = s.killEvery { killEvery = v }
        if let v = s.shutdown { shutdown = try v.map(ShutdownSignal.validate) }
        if let v = s.timeout { timeout = v }
        if let v = s.gracefulTimeout { gracefulTimeout = v }
        if let v = s.extraArgs { extraArgs = v }
        if let v = s.respawnDeadline { limits.respawnDeadline = v }
        if let v = s.environmentLength { environmentLength = v }
        if let v = s.proxy { proxy = v }
    }
}

/// A usage or setup problem: exit status 2.
public struct ChaosSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

extension FaultKind {
    /// Parses `kill,stop,...` names; `none` alone means no faults (a plain load run).
    public static func parseList(_ names: [String]) throws -> [FaultKind] {
        if names.map({ $0.trimmingCharacters() }) == ["none"] { return [] }
        return try names.map { n in
            guard let k = FaultKind(rawValue: n.trimmingCharacters()) else {
                throw ChaosSetupError("unknown fault '\(n)'; known: "
                    + FaultKind.allCases.map(\.rawValue).joined(separator: ",") + " (or none)")
            }
            return k
        }
    }
}

/// Signal names for planned changes (`USR2`, `SIGHUP`, any case).
public enum SignalName {
    public static let numbers: [String: Int32] = ["HUP": 1, "INT": 2, "QUIT": 3, "USR1": 10, "USR2": 12, "TERM": 15,
                                                  "TTIN": 21, "TTOU": 22, "WINCH": 28]

    public static func number(_ name: String) throws -> Int32 {
        var n = name.uppercased()
        if n.hasPrefix("SIG") { n.removeFirst(3) }
        guard let v = numbers[n] else {
            throw ChaosSetupError("unknown signal '\(name)' (" + numbers.keys.sorted().joined(separator: ", ") + ")")
        }
        return v
    }
}

/// Shutdown signal names and numbers.
public enum ShutdownSignal {
    public static let numbers: [String: Int32] = ["INT": 2, "TERM": 15, "HUP": 1, "QUIT": 3]

    /// Accepts `TERM` or `SIGTERM`, any case.
    public static func validate(_ name: String) throws -> String {
        var n = name.uppercased()
        if n.hasPrefix("SIG") { n.removeFirst(3) }
        guard numbers[n] != nil else { throw ChaosSetupError("unknown shutdown signal '\(name)' (INT, TERM, HUP, QUIT)") }
        return n
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

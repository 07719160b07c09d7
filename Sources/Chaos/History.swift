import Harness

/// Everything a chaos run observed, in one value. Invariants are pure
/// functions over it, so a saved history can be re-judged and unit tests can
/// build one by hand. Times are CLOCK_MONOTONIC nanoseconds.
public struct History: Codable, Sendable {
    /// What was run and with which limits.
    public var info: RunInfo
    /// Every HTTP request the runner made (load loop, probes, fault requests).
    public var requests: [RequestEvent]
    /// Every fault the runner injected, in order.
    public var faults: [FaultEvent]
    /// /proc samples of the master's children and the runner's orphans.
    public var samples: [ProcessSnapshot]
    /// How the final shutdown went; nil when none was attempted (master-kill).
    public var shutdown: ShutdownRecord?
    /// The master generations, when an upgrade changed the master (nil: one master all along).
    public var generations: [MasterGeneration]?

    public init(info: RunInfo, requests: [RequestEvent] = [], faults: [FaultEvent] = [],
                samples: [ProcessSnapshot] = [], shutdown: ShutdownRecord? = nil,
                generations: [MasterGeneration]? = nil) {
        self.generations = generations
        self.info = info
        self.requests = requests
        self.faults = faults
        self.samples = samples
        self.shutdown = shutdown
    }
}

/// The run's parameters, as the invariants need them.
public struct RunInfo: Codable, Sendable {
    public var seed: UInt64
    public var startTime: UInt64
    public var endTime: UInt64
    public var runnerPid: Int32
    public var masterPid: Int32
    /// Expected worker count N.
    public var workers: Int
    /// Requests per worker (0 = unlimited).
    public var lifetime: Int
    public var lifetimeJitter: Int
    /// Heartbeat timeout in seconds (0 = off).
    public var timeout: Double
    public var gracefulTimeout: Double
    public var command: [String]
    public var port: Int
    /// Tolerances; see `Limits`.
    public var limits: Limits

    public init(seed: UInt64 = 0, startTime: UInt64 = 0, endTime: UInt64 = 0, runnerPid: Int32 = 1,
                masterPid: Int32 = 100, workers: Int = 5, lifetime: Int = 100, lifetimeJitter: Int = 0,
                timeout: Double = 2, gracefulTimeout: Double = 5, command: [String] = [], port: Int = 0,
                limits: Limits = Limits()) {
        self.seed = seed
        self.startTime = startTime
        self.endTime = endTime
        self.runnerPid = runnerPid
        self.masterPid = masterPid
        self.workers = workers
        self.lifetime = lifetime
        self.lifetimeJitter = lifetimeJitter
        self.timeout = timeout
        self.gracefulTimeout = gracefulTimeout
        self.command = command
        self.port = port
        self.limits = limits
    }
}

/// Tolerances the invariants apply. They exist because the runner observes
/// through /proc every 10-20 ms on two shared cores: a state seen once may be
/// a scheduling artefact, a state that persists is a fact.
public struct Limits: Codable, Sendable {
    /// After a worker death the count must be back to N within this (s).
    public var respawnDeadline: Double = 2.0
    /// Extra time a stopped or hung worker may live beyond --timeout (s).
    public var hangSlack: Double = 1.5
    /// A zombie seen in two consecutive samples counts once it is this old
    /// (s); 0 is the rule to the letter.
    public var zombieGrace: Double = 0
    /// A zombie persisting while the master is runnable (woken by SIGCHLD but
    /// not yet scheduled) counts only after this long (s). Measured on 2
    /// shared cores at load average 7-13: reap latency above one 10 ms
    /// interval for ~0.4% of deaths, max 235 ms, master in state R meanwhile.
    public var zombieStarvedLimit: Double = 1.0
    /// After the master is gone its descendants must be gone within this (s).
    public var orphanDeadline: Double = 1.0
    /// Load failures ending this close (s) around a worker death are excused.
    public var deathWindowBefore: Double = 0.5
    public var deathWindowAfter: Double = 1.0
    /// The master may exit this much later than --graceful-timeout (s).
    public var shutdownSlack: Double = 1.5
    /// A gap this long (s) between two of the runner's own samples (nominal
    /// 10 ms) means the machine did not run the observer: a stall. Deadlines
    /// that overlap a stall are extended by it (see `History.stalls`).
    public var stallGap: Double = 0.25
    /// Allowed growth of the master's open descriptors, first to last fifth.
    public var fdGrowth: Int = 4
    /// Allowed growth of the master's RSS in KiB, first to last fifth.
    public var rssGrowthKB: Int = 2048
    /// The hostile-environment limits; optional so histories saved before them still decode.
    public var environment: EnvironmentLimits?

    /// The environment limits in force (defaults when unset).
    public var env: EnvironmentLimits {
        get { environment ?? EnvironmentLimits() }
        set { environment = newValue }
    }

    public init() {}
}

/// Tolerances of the hostile-environment invariants.
public struct EnvironmentLimits: Codable, Sendable {
    /// A fresh client during a fault must be answered within this (s), and
    /// within 3/4 of --timeout: otherwise heartbeat kills of wedged workers
    /// (and their fresh replacements) would pass for liveness.
    public var livenessBound: Double = 1.0
    /// After a fault ends a fresh client must be answered within this (s).
    public var recoveryDeadline: Double = 3.0
    /// A worker that cannot accept spins when it is runnable (state R) in
    /// this share of the samples...
    public var spinRunnable: Double = 0.8
    /// ...and burns more than this share of one core (contended: three
    /// spinning workers on 2 shared cores got ~20% each)...
    public var spinCPU: Double = 0.1
    /// ...beyond this much CPU (s) per request it answered meanwhile (held
    /// connections still make progress; release cost ~33 us, debug ~110 us).
    public var cpuPerAnswer: Double = 0.0005
    /// A master asleep in a pipe write this long during a log stall is wedged (s).
    public var wedgedWrite: Double = 1.0

    public init() {}
}

/// Where a request came from.
public enum RequestSource: String, Codable, Sendable {
    /// `liveness`: the fresh-connection prober of runs with environment faults.
    case load, probe, fault, liveness
}

/// How a request ended, from the client's point of view.
public enum Outcome: String, Codable, Sendable {
    /// A 2xx/3xx response arrived.
    case ok
    /// Definitely not processed (connection refused) or answered with an error status.
    case failed
    /// The connection broke or timed out: the server may or may not have acted.
    case indeterminate
}

/// One HTTP request as libcurl saw it.
public struct RequestEvent: Codable, Sendable {
    public var intendedStart: UInt64
    public var start: UInt64
    public var end: UInt64
    public var outcome: Outcome
    public var status: Int
    public var workerPid: Int32?
    public var served: Int?
    public var curlCode: Int32
    public var silentResend: Bool
    public var path: String
    public var source: RequestSource

    public init(intendedStart: UInt64? = nil, start: UInt64, end: UInt64, outcome: Outcome? = nil,
                status: Int, workerPid: Int32? = nil, served: Int? = nil, curlCode: Int32 = 0,
                silentResend: Bool = false, path: String = "/", source: RequestSource = .load) {
        self.intendedStart = intendedStart ?? start
        self.start = start
        self.end = end
        self.outcome = outcome ?? Outcome.classify(status: status, curlCode: curlCode)
        self.status = status
        self.workerPid = workerPid
        self.served = served
        self.curlCode = curlCode
        self.silentResend = silentResend
        self.path = path
        self.source = source
    }
}

extension Outcome {
    /// Classifies a libcurl result: refused (7) never reached the server.
    public static func classify(status: Int, curlCode: Int32) -> Outcome {
        if curlCode == 0 { return (200..<400).contains(status) ? .ok : .failed }
        return curlCode == 7 ? .failed : .indeterminate
    }
}

/// One /proc process as sampled.
public struct ProcInfo: Codable, Sendable, Hashable {
    public var pid: Int32
    public var ppid: Int32
    /// /proc/pid/stat state letter: R S D Z T t ...
    public var state: String
    /// Start time in clock ticks: with pid, identifies a process across pid reuse.
    public var startTime: UInt64

    public init(pid: Int32, ppid: Int32, state: String = "S", startTime: UInt64 = 0) {
        self.pid = pid
        self.ppid = ppid
        self.state = state
        self.startTime = startTime
    }

    /// Alive for our purposes: not a zombie, not gone.
    public var isLive: Bool { state != "Z" && state != "X" }
}

/// One sampler tick.
public struct ProcessSnapshot: Codable, Sendable {
    public var time: UInt64
    public var masterAlive: Bool
    /// The master's children.
    public var children: [ProcInfo]
    /// The runner's children other than the master (reparented to the subreaper).
    public var orphans: [ProcInfo]
    public var masterFDs: Int?
    public var masterRSSKB: Int?
    /// The master's state letter and kernel wait channel (/proc/PID/wchan)
    /// at the sample: tells a starved master (R) from one asleep (S, in
    /// do_sys_poll) or blocked elsewhere, when it is slow to reap.
    public var masterState: String?
    public var masterWchan: String?
    /// The current master's pid once an upgrade changed it (nil: `RunInfo.masterPid`).
    public var masterPid: Int32?
    /// Every live master generation's state, read like `masterState`, while
    /// more than one generation is known: a zombie is judged against its own
    /// parent (an old master busy exiting is not the current one's fault).
    public var masters: [MasterSample]?

    public init(time: UInt64, masterAlive: Bool = true, children: [ProcInfo], orphans: [ProcInfo] = [],
                masterFDs: Int? = nil, masterRSSKB: Int? = nil) {
        self.time = time
        self.masterAlive = masterAlive
        self.children = children
        self.orphans = orphans
        self.masterFDs = masterFDs
        self.masterRSSKB = masterRSSKB
    }

    /// Children that are not zombies.
    public var liveChildren: [ProcInfo] { children.filter(\.isLive) }
}

/// One master generation's state at a sample.
public struct MasterSample: Codable, Sendable, Equatable {
    public var pid: Int32
    /// /proc/PID/stat state letter.
    public var state: String
    /// /proc/PID/wchan: "0" when it was running at that read.
    public var wchan: String?

    public init(pid: Int32, state: String, wchan: String? = nil) {
        self.pid = pid
        self.state = state
        self.wchan = wchan
    }
}

/// A process's end as a waitpid status: Harness's `TerminationStatus`, the
/// suite's one copy (same cases, so the history's JSON is unchanged).
public typealias ExitStatus = TerminationStatus

/// The final stop, followed to the end.
public struct ShutdownRecord: Codable, Sendable {
    /// Signal name: INT, TERM, HUP, QUIT.
    public var signal: String
    public var sentAt: UInt64
    /// nil when the master did not exit before the runner gave up.
    public var masterStatus: ExitStatus?
    public var exitedAt: UInt64?
    /// Slow requests started just before the signal: they must complete.
    public var probes: [RequestEvent]
    /// Descendants still alive after the master exited plus the orphan deadline.
    public var survivors: [ProcInfo]
    /// nil when not checked.
    public var portRefused: Bool?
    /// nil when no pid file was requested.
    public var pidFileRemains: Bool?
    /// Master generations alive when the signal was sent (after upgrades: exactly one), and the pid the pid file named then.
    public var liveMasters: [Int32]?
    public var pidFileMaster: Int32?

    public init(signal: String, sentAt: UInt64, masterStatus: ExitStatus?, exitedAt: UInt64?,
                probes: [RequestEvent] = [], survivors: [ProcInfo] = [], portRefused: Bool? = true,
                pidFileRemains: Bool? = nil) {
        self.signal = signal
        self.sentAt = sentAt
        self.masterStatus = masterStatus
        self.exitedAt = exitedAt
        self.probes = probes
        self.survivors = survivors
        self.portRefused = portRefused
        self.pidFileRemains = pidFileRemains
    }
}

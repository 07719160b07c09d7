/// The kinds of fault chaos-run can inject.
public enum FaultKind: String, Codable, Sendable, CaseIterable {
    /// SIGKILL a worker (victim by index into the sorted children).
    case kill
    /// SIGSTOP a worker: the daemon's heartbeat timeout must catch it.
    case stop
    /// GET /__fault/crash: the worker that reads it aborts.
    case crash
    /// GET /__fault/hang: the worker spins without heartbeat.
    case hang
    /// A burst of TTIN / USR1 / TTOU to the master (balanced: N is unchanged).
    case signalStorm = "signal-storm"
    /// Raw connections that send a header byte at a time and never finish.
    case slowloris
    /// A malformed request on a raw socket, between good ones.
    case malformed
    /// SIGKILL the master: its workers must go away by themselves.
    case masterKill = "master-kill"
    /// /__fault/boot-fail?on=1 for a while, plus a kill: the master must back off, then recover.
    case bootFail = "boot-fail"
    /// SIGSTOP the daemon's whole process group for longer than --timeout, then SIGCONT.
    case groupFreeze = "group-freeze"
    /// SIGSTOP only the master for a while, then SIGCONT.
    case masterStop = "master-stop"
    /// The runner stops reading the daemon's event and access log pipes for a while.
    case logStall = "log-stall"
    /// Hundreds to a thousand slowloris connections at once.
    case slowlorisFlood = "slowloris-flood"
    /// Lower the workers' RLIMIT_NOFILE (prlimit) to their open count while connections queue.
    case fdLimit = "fd-limit"
    /// The access log's small tmpfs filled up (ENOSPC) for a while.
    case logFull = "log-full"
    /// A cgroup v1 CFS quota on the daemon's process group for a while.
    case cpuThrottle = "cpu-throttle"
    /// Clients through the fault proxy, a toxic per connection (resets, cut responses, slicing...).
    case toxicClients = "toxic-clients"

    /// Whether the fault needs preforkd's /__fault endpoints.
    public var needsFaultEndpoints: Bool {
        self == .crash || self == .hang || self == .bootFail
    }

    /// Hostile-environment faults: they last `PlannedFault.length`, one at a
    /// time, and the target is judged during and after them (liveness-under-fault).
    public var isEnvironment: Bool {
        switch self {
        case .groupFreeze, .masterStop, .logStall, .slowlorisFlood, .fdLimit, .logFull, .cpuThrottle, .toxicClients: return true
        default: return false
        }
    }

    /// Pauses of the master: its heartbeat check must not blame workers for them.
    public var pausesMaster: Bool { self == .groupFreeze || self == .masterStop }

    /// Whether fresh clients must still be answered while the fault lasts (a
    /// paused master or group cannot answer, or refill retired workers, until it resumes).
    /// fd-limit leaves no worker able to accept until a replacement starts;
    /// a throttled daemon answers only as fast as its quota lets it.
    public var answersDuring: Bool { isEnvironment && !pausesMaster && self != .fdLimit && self != .cpuThrottle }
}

/// A process's CPU time (user + system, from /proc/PID/stat) at one moment.
public struct CPUSample: Codable, Sendable, Equatable {
    public var time: UInt64
    public var seconds: Double
    public var pid: Int32
    public init(time: UInt64, seconds: Double, pid: Int32) {
        self.time = time
        self.seconds = seconds
        self.pid = pid
    }
}

/// One injected fault, as it happened.
public struct FaultEvent: Codable, Sendable {
    /// Index in the schedule.
    public var index: Int
    public var kind: FaultKind
    /// When the runner injected it.
    public var time: UInt64
    /// When its effect ended, for faults that last (hang request returned, boot-fail off, slowloris closed).
    public var endedAt: UInt64?
    /// Index into the sorted live children when the victim was chosen.
    public var victimSlot: Int?
    public var victimPid: Int32?
    /// For fault requests: libcurl's code and the status.
    public var curlCode: Int32?
    public var status: Int?
    /// False when the fault could not be applied (no victim, endpoint missing).
    public var applied: Bool
    public var detail: String
    /// The victims' CPU time while the fault lasted (fd-limit), for no-busy-spin.
    public var cpu: [CPUSample]?

    public init(index: Int, kind: FaultKind, time: UInt64, endedAt: UInt64? = nil, victimSlot: Int? = nil,
                victimPid: Int32? = nil, curlCode: Int32? = nil, status: Int? = nil, applied: Bool = true,
                detail: String = "", cpu: [CPUSample]? = nil) {
        self.cpu = cpu
        self.index = index
        self.kind = kind
        self.time = time
        self.endedAt = endedAt
        self.victimSlot = victimSlot
        self.victimPid = victimPid
        self.curlCode = curlCode
        self.status = status
        self.applied = applied
        self.detail = detail
    }
}

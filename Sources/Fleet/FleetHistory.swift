import Chaos
import Harness

/// What a fleet run recorded; every invariant is a pure function of it.
/// Times are wall-clock seconds since 1970 (the hosts' logs use the wall
/// clock; the client's monotonic times are converted once at the start).
public struct FleetHistory: Codable, Sendable {
    public var seed: UInt64
    public var hosts: Int
    public var timing: HealthTimingRecord
    public var requests: [FleetRequest] = []
    public var faults: [FleetFault] = []
    public var hostLogs: [HostLog] = []
    public var stats: [ServerStatus] = []
    /// Per host: process samples taken while the host was not under a fault.
    public var samples: [[ProcessSample]] = []
    /// Per host: times (s) a sample outside any fault found no live master.
    public var masterMissing: [[Double]] = []
    /// When the load stopped.
    public var end: Double = 0
    /// HAProxy's backend totals at the end: connections retried, requests redispatched.
    public var balancerRetries = 0
    public var balancerRedispatches = 0

    public init(seed: UInt64, hosts: Int, timing: HealthTiming) {
        self.seed = seed
        self.hosts = hosts
        self.timing = HealthTimingRecord(timing)
    }
}

/// `HealthTiming` as stored in the history.
public struct HealthTimingRecord: Codable, Sendable {
    public var interval: Double
    public var fall: Int
    public var rise: Int
    public init(_ t: HealthTiming) { interval = t.interval; fall = t.fall; rise = t.rise }
}

/// One client request through the balancer.
public struct FleetRequest: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable { case get = "GET", post = "POST" }
    public var method: Method
    public var start: Double
    public var end: Double
    /// HTTP status, 0 when none arrived.
    public var status: Int
    public var curlCode: Int32
    /// The POST's request id (also in its target, so the access log shows it).
    public var requestID: String?
    public var keepAlive: Bool

    public init(method: Method, start: Double, end: Double, status: Int, curlCode: Int32, requestID: String? = nil,
                keepAlive: Bool = true) {
        self.method = method
        self.start = start
        self.end = end
        self.status = status
        self.curlCode = curlCode
        self.requestID = requestID
        self.keepAlive = keepAlive
    }

    public var succeeded: Bool { curlCode == 0 && (200..<300).contains(status) }
}

/// One fault as it happened.
public struct FleetFault: Codable, Sendable, Equatable {
    public var kind: FleetFaultKind
    /// Host index; a rolling change records one entry per host.
    public var host: Int
    public var start: Double
    /// When the host was given back (restarted, resumed, link up, shaping removed).
    public var end: Double
    /// rolling-restart: when the stopped master had exited (before the restart).
    public var exitedAt: Double?
    public var note: String
    /// rolling changes: the old master's workers still alive 1 s after it was gone (Harness's OrphanCheck).
    public var orphans: [String] = []

    public init(kind: FleetFaultKind, host: Int, start: Double, end: Double, exitedAt: Double? = nil, note: String = "") {
        self.kind = kind
        self.host = host
        self.start = start
        self.end = end
        self.exitedAt = exitedAt
        self.note = note
    }
}

/// One host's logs, parsed.
public struct HostLog: Codable, Sendable, Equatable {
    public var host: Int
    public var access: [AccessLine] = []
    /// `drain_started` events of the host's event log.
    public var drainStarts: [Double] = []

    public init(host: Int, access: [AccessLine] = [], drainStarts: [Double] = []) {
        self.host = host
        self.access = access
        self.drainStarts = drainStarts
    }
}

/// One access-log line (logfmt), the fields the invariants use.
public struct AccessLine: Codable, Sendable, Equatable {
    public var at: Double
    public var method: String
    public var target: String
    public var status: Int
    /// 1 = the first request on its connection: a new connection from the balancer.
    public var connectionRequest: Int
    public var peer: String

    public init(at: Double, method: String, target: String, status: Int, connectionRequest: Int, peer: String = "") {
        self.at = at
        self.method = method
        self.target = target
        self.status = status
        self.connectionRequest = connectionRequest
        self.peer = peer
    }

    /// The `rid` query parameter of the target.
    public var requestID: String? {
        guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in q.split(separator: "&") where pair.hasPrefix("rid=") { return String(pair.dropFirst(4)) }
        return nil
    }
}

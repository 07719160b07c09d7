import Harness

/// One fault the schedule plans: when, what, and which victim by index
/// (into the children sorted by start time at that moment), never by pid, so
/// the same seed plans the same faults whatever pids the run gets.
public struct PlannedFault: Codable, Sendable, Equatable {
    /// Seconds after the load started.
    public var at: Double
    public var kind: FaultKind
    /// Taken modulo the live children count when the fault fires.
    public var victimIndex: UInt32
    /// Kind-specific: storm burst length, slowloris connections, malformed variant.
    public var param: UInt32
    /// Seconds an environment fault lasts (nil for the others).
    public var length: Double?

    public init(at: Double, kind: FaultKind, victimIndex: UInt32, param: UInt32, length: Double? = nil) {
        self.at = at
        self.kind = kind
        self.victimIndex = victimIndex
        self.param = param
        self.length = length
    }
}

/// How long environment faults last and how far apart they are (s).
public struct EnvironmentTiming: Codable, Sendable, Equatable {
    /// log-stall, slowloris-flood, fd-limit.
    public var length = 3.0
    /// group-freeze, master-stop: must exceed the daemon's --timeout.
    public var pauseLength = 3.5
    /// From one environment fault's end to the next one's start.
    public var gap = 3.0

    public init(length: Double = 3.0, pauseLength: Double = 3.5, gap: Double = 3.0) {
        self.length = length
        self.pauseLength = pauseLength
        self.gap = gap
    }
}

/// The seeded fault plan for a run.
public struct FaultSchedule: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var faults: [PlannedFault]

    /// Plans faults from `seed` alone: inter-arrival `interval` x U(0.5, 1.5),
    /// kinds drawn with weights from `kinds`; none in the first second nor in
    /// the last `cooldown` seconds (so respawns finish before the shutdown);
    /// stop/hang at most one per `stuckSpacing` seconds so the heartbeat check
    /// never faces every worker stuck at once; planned changes (upgrade,
    /// bad-upgrade, reload) at most one per `handoverSpacing`.
    ///
    /// Environment faults (`FaultKind.isEnvironment`) run one at a time:
    /// each lasts `environment.length` (`pauseLength` for the master pauses),
    /// starts `environment.gap` after the previous one ended (time to
    /// recover and be judged) and ends before the cooldown; they take turns
    /// in a seeded order so a short run still sees each kind. The master
    /// pauses also count as stuck faults: no stop or hang within
    /// `stuckSpacing` of one (a paused master cannot kill a stopped worker,
    /// and a group SIGCONT would resume it). Draws that break a rule become
    /// kills (environment draws only when kill is among the kinds, else none).
    public static func make(seed: UInt64, duration: Double, kinds: [FaultKind], interval: Double,
                            cooldown: Double, stuckSpacing: Double,
                            environment: EnvironmentTiming = EnvironmentTiming(),
                            handoverSpacing: Double = 2.0) -> FaultSchedule {
        var rng = SplitMix64(seed: seed)
        var out: [PlannedFault] = []
        let weighted = kinds.filter { $0 != .masterKill }.flatMap { Array(repeating: $0, count: weight($0)) }
        guard interval > 0 else { return FaultSchedule(seed: seed, faults: []) }
        var envTurns = Array(Set(kinds.filter(\.isEnvironment))).sorted { $0.rawValue < $1.rawValue }
        if envTurns.count > 1 {
            // Only runs with environment faults draw this, so older schedules are unchanged.
            for i in stride(from: envTurns.count - 1, to: 0, by: -1) {
                envTurns.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
        }
        var t = 1.0
        var lastStuck = -Double.infinity
        var envFreeAt = -Double.infinity
        var onceDone = Set<FaultKind>()
        var lastHandover = -Double.infinity
        while !weighted.isEmpty {
            t += interval * (0.5 + rng.unit())
            guard t < duration - cooldown else { break }
            var kind = weighted[Int(rng.next() % UInt64(weighted.count))]
            let victim = UInt32(truncatingIfNeeded: rng.next())
            let param = UInt32(truncatingIfNeeded: rng.next())
            var length: Double?
            if kind.isEnvironment {
                let turn = envTurns[(out.filter { $0.kind.isEnvironment }.count) % envTurns.count]
                let l = turn.pausesMaster ? environment.pauseLength : environment.length
                let clear = t >= envFreeAt && t + l < duration - cooldown
                    && (!turn.pausesMaster || t - lastStuck >= stuckSpacing)
                if clear {
                    kind = turn
                    length = l
                    envFreeAt = t + l + environment.gap
                    if turn.pausesMaster { lastStuck = t + l }
                } else if kinds.contains(.kill) {
                    kind = .kill
                } else {
                    continue   // a run of environment faults only stays one
                }
            }
            if kind == .stop || kind == .hang {
                if t - lastStuck < stuckSpacing { kind = .kill } else { lastStuck = t }
            }
            if kind.isHandover {
                // One planned change at a time: a master ignores USR2 during a hand-over.
                if t - lastHandover < handoverSpacing {
                    guard kinds.contains(.kill) else { continue }
                    kind = .kill
                } else { lastHandover = t }
            }
            if kind == .bootFail {
                // Once per run: the first draw wins, later draws become kills.
                if onceDone.contains(kind) { kind = .kill } else { onceDone.insert(kind) }
            }
            out.append(PlannedFault(at: t, kind: kind, victimIndex: victim, param: param, length: length))
        }
        if kinds.contains(.masterKill) {
            // Replaces the shutdown signal: the last fault, with time left to watch the workers go.
            let at = max(1.0, duration - masterKillLead)
            out.removeAll { $0.at >= at }
            out.append(PlannedFault(at: at, kind: .masterKill, victimIndex: 0, param: 0))
        }
        return FaultSchedule(seed: seed, faults: out)
    }

    /// Seconds before the end at which a master-kill fires.
    static let masterKillLead = 1.5

    /// Relative frequency: kills are the cheap, common fault.
    static func weight(_ k: FaultKind) -> Int {
        switch k {
        case .kill: return 4
        case .upgrade: return 3   // upgrade-under-load wants >= 20 hand-overs a minute beside kills
        case .crash, .malformed: return 2
        default: return 1
        }
    }
}

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
}

/// The seeded fault plan for a run.
public struct FaultSchedule: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var faults: [PlannedFault]

    /// Plans faults from `seed` alone: inter-arrival `interval` x U(0.5, 1.5),
    /// kinds drawn with weights from `kinds`; none in the first second nor in
    /// the last `cooldown` seconds (so respawns finish before the shutdown);
    /// stop/hang at most one per `stuckSpacing` seconds so the heartbeat check
    /// never faces every worker stuck at once.
    public static func make(seed: UInt64, duration: Double, kinds: [FaultKind], interval: Double,
                            cooldown: Double, stuckSpacing: Double) -> FaultSchedule {
        var rng = SplitMix64(seed: seed)
        var out: [PlannedFault] = []
        let weighted = kinds.filter { $0 != .masterKill }.flatMap { Array(repeating: $0, count: weight($0)) }
        guard interval > 0 else { return FaultSchedule(seed: seed, faults: []) }
        var t = 1.0
        var lastStuck = -Double.infinity
        var onceDone = Set<FaultKind>()
        while !weighted.isEmpty {
            t += interval * (0.5 + rng.unit())
            guard t < duration - cooldown else { break }
            var kind = weighted[Int(rng.next() % UInt64(weighted.count))]
            let victim = UInt32(truncatingIfNeeded: rng.next())
            let param = UInt32(truncatingIfNeeded: rng.next())
            if kind == .stop || kind == .hang {
                if t - lastStuck < stuckSpacing { kind = .kill } else { lastStuck = t }
            }
            if kind == .bootFail {
                // Once per run: the first draw wins, later draws become kills.
                if onceDone.contains(kind) { kind = .kill } else { onceDone.insert(kind) }
            }
            out.append(PlannedFault(at: t, kind: kind, victimIndex: victim, param: param))
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
        case .crash, .malformed: return 2
        default: return 1
        }
    }
}

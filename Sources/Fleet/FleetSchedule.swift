import Chaos
import Harness

/// The whole-host faults fleet-run injects.
public enum FleetFaultKind: String, Codable, Sendable, CaseIterable {
    case hostKill = "host-kill"
    case hostFreeze = "host-freeze"
    case partition
    case slowHost = "slow-host"
    case rollingUpgrade = "rolling-upgrade"
    case rollingRestart = "rolling-restart"

    /// A comma list of names; throws `FleetSetupError` naming an unknown one.
    public static func parseList(_ text: String) throws -> [FleetFaultKind] {
        if text == "none" { return [] }
        return try text.split(separator: ",").map { name in
            guard let k = FleetFaultKind(rawValue: String(name)) else {
                throw FleetSetupError("unknown fault '\(name)'; known: " + allCases.map(\.rawValue).joined(separator: ","))
            }
            return k
        }
    }

    /// Rolling changes touch every host in turn; the others one host.
    public var isRolling: Bool { self == .rollingUpgrade || self == .rollingRestart }
}

/// One planned fault: when it may start, what, which host, how long it holds.
public struct PlannedFleetFault: Codable, Sendable, Equatable {
    /// Seconds after the load started (the fault starts then, or when the previous one is done).
    public var at: Double
    public var kind: FleetFaultKind
    /// Host index (the first host of a rolling change).
    public var host: Int
    /// Seconds the fault holds (freeze, partition, slow-host; the restart delay of a kill).
    public var length: Double
}

/// The seeded fault plan (Chaos's SplitMix64): same seed, same plan.
public enum FleetSchedule {
    /// Starts at `interval` x U(0.5, 1.5) apart after the first second, none
    /// in the last `cooldown` seconds. The first draws go through the kinds
    /// in a seeded order, so every kind runs once when there is room (when
    /// there is not, the rolling changes are kept first); later draws pick a
    /// kind at random. Freezes hold 2-10 s, partitions and
    /// slow hosts 1-3 s, a killed host restarts after 0.5-2 s.
    public static func make(seed: UInt64, duration: Double, kinds: [FleetFaultKind], hosts: Int, interval: Double,
                            cooldown: Double) -> [PlannedFleetFault] {
        guard !kinds.isEmpty, interval > 0, hosts > 0 else { return [] }
        var rng = SplitMix64(seed: seed)
        var times: [Double] = []
        var t = 1.0
        while true {
            t += interval * (0.5 + rng.unit())
            guard t < duration - cooldown else { break }
            times.append(t)
        }
        var order = kinds
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        // Too few slots for every kind: the rolling changes stay (they exercise every host and the drain).
        while order.count > times.count, let i = order.lastIndex(where: { !$0.isRolling }) { order.remove(at: i) }
        var out: [PlannedFleetFault] = []
        for t in times {
            let kind = out.count < order.count ? order[out.count] : kinds[Int(rng.next() % UInt64(kinds.count))]
            let host = Int(rng.next() % UInt64(hosts))
            let u = rng.unit()
            let length: Double
            switch kind {
            case .hostFreeze: length = 2 + 8 * u
            case .partition, .slowHost: length = 1 + 2 * u
            case .hostKill: length = 0.5 + 1.5 * u
            case .rollingUpgrade, .rollingRestart: length = 0
            }
            out.append(PlannedFleetFault(at: t, kind: kind, host: host, length: min(length, max(0.5, duration - cooldown - t))))
        }
        return out
    }
}

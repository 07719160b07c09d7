/// A property every run must have, judged from the history alone.
public protocol Invariant: Sendable {
    /// Stable id used in reports and JUnit: respawn, no-zombies, ...
    var id: String { get }
    /// One sentence: what it means.
    var meaning: String { get }
    /// Pure: same history, same verdict.
    func check(_ history: History) -> Verdict
}

/// The invariant set, in report order.
public enum Invariants {
    public static let all: [any Invariant] = [
        RespawnInvariant(), NoZombiesInvariant(), NoOrphansInvariant(), LifetimeInvariant(),
        AvailabilityInvariant(), HungWorkerInvariant(), CleanShutdownInvariant(), MasterStableInvariant(),
        NoFalseTimeoutInvariant(), LivenessUnderFaultInvariant(), NoBusySpinInvariant(), SupervisionAliveInvariant(),
    ]

    /// Judges `history` with every invariant.
    public static func judge(_ history: History) -> [Verdict] {
        all.map { $0.check(history) }
    }
}

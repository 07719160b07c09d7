import Chaos

/// A property every fleet run must have, judged from the history alone.
public protocol FleetInvariant: Sendable {
    var id: String { get }
    /// Pure: same history, same verdict.
    func check(_ h: FleetHistory) -> Verdict
}

/// The fleet invariant set, in report order.
public enum FleetInvariants {
    public static let all: [any FleetInvariant] = [
        FleetAvailability(), DrainRespected(), AtMostOncePost(), CapacityRestored(), HostProcesses(),
    ]

    public static func judge(_ h: FleetHistory) -> [Verdict] { all.map { $0.check(h) } }

    /// PASS when `violations` is empty, else FAIL with the first few as evidence.
    static func judge(_ id: String, violations: [String], pass: String, fail: String,
                      metrics: [String: Double] = [:]) -> Verdict {
        if violations.isEmpty { return Verdict(id: id, status: .pass, summary: pass, metrics: metrics) }
        return Verdict(id: id, status: .fail, summary: "\(violations.count) violation(s): \(fail)",
                       evidence: Array(violations.prefix(5)), metrics: metrics)
    }
}

func seconds(_ t: Double, from origin: Double) -> String {
    String(format: "%.3fs", t - origin)
}

/// What a fleet run does.
public struct FleetConfig: Sendable {
    public var duration = 60.0
    public var seed: UInt64 = 20261202
    public var hosts = 3
    /// Mean seconds between fault starts.
    public var faultInterval = 10.0
    public var faults: [FleetFaultKind] = FleetFaultKind.allCases
    /// Report directory (made absolute by the runner).
    public var reportDir: String?
    public var preforkdPath: String?
    public var haproxyPath = "haproxy"
    /// Extra preforkd arguments (e.g. `--planted-defect no-drain-report`).
    public var extraArgs: [String] = []
    public var quiet = false
    public var timing = HealthTiming()

    public init() {}

    /// The command line that repeats this run.
    public var reproduce: String {
        "fleet-run --duration \(duration) --seed \(seed) --hosts \(hosts) --fault-interval \(faultInterval) --faults "
            + (faults.isEmpty ? "none" : faults.map(\.rawValue).joined(separator: ","))
            + (extraArgs.isEmpty ? "" : " --extra-arg '\(extraArgs.joined(separator: " "))'")
    }
}

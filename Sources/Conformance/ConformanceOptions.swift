/// Knobs for a conformance run.
public struct ConformanceOptions: Sendable {
    /// Section names to run (empty = all).
    public var sections: [String] = []
    /// Case ids to run; a trailing '*' matches a prefix (empty = all).
    public var cases: [String] = []
    /// SHOULD failures count like MUST failures.
    public var strict = false
    /// Hard limit per case, seconds.
    public var caseTimeout: Double = 5
    /// Silence after the expected responses before a connection counts as open.
    public var quiet: Double = 0.4
    /// How long the slowloris case waits for the server to close the head.
    public var slowlorisWait: Double = 10
    /// Idle connections opened by the starvation case.
    public var idleConnections = 1000
    /// Cases run at once.
    public var parallelism = 8

    public init() {}
}

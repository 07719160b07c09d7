/// Everything the engine needs to run, already validated. preforkd builds one
/// from its flags; a library user builds one in code.
public struct Configuration: Sendable, Equatable {
    /// Address to bind; a name is resolved once at startup.
    public var host = "127.0.0.1"
    /// TCP port; 0 lets the kernel pick (the ready line names the real one).
    public var port = 1981
    /// Worker processes kept alive.
    public var workers = 5
    /// Responses a worker gives before it retires; 0 = unlimited.
    public var lifetime = 100
    /// Each worker adds its own random 0...jitter to `lifetime`, so workers do
    /// not all retire in the same instant.
    public var lifetimeJitter = 0
    /// Connections one worker holds at once; 1 is the seed's one-at-a-time model.
    public var workerConnections = 1024
    /// Heartbeat age after which the master SIGKILLs a worker; nil = off.
    public var timeout: Duration? = .seconds(30)
    /// How long a graceful stop waits for workers before KILL.
    public var gracefulTimeout: Duration = .seconds(30)
    /// On INT/TERM/HUP, how long `/__health` says draining while the workers
    /// keep serving, before the graceful stop (zero: stop at once).
    public var drainDelay: Duration = .zero
    /// Idle time allowed between requests on a keep-alive connection.
    public var keepaliveTimeout: Duration = .seconds(5)
    /// Time allowed to receive a whole request head (slowloris guard).
    public var headerTimeout: Duration = .seconds(10)
    /// Time allowed to receive a request body.
    public var bodyTimeout: Duration = .seconds(30)
    /// Time allowed for the client to take a response.
    public var writeTimeout: Duration = .seconds(30)
    /// Largest accepted request body in bytes (413 above).
    public var maxBody = 1 << 20
    /// Listen backlog: queued connections survive a worker's death here.
    public var backlog = 1024
    /// TCP_DEFER_ACCEPT in seconds (0 = off): see `Listener`.
    public var deferAccept = 1
    /// Log destination; nil = standard error.
    public var logFile: String?
    /// Access log: one line per answered request; "-" = standard error, nil = off.
    public var accessLog: String?
    /// Line format of the access log.
    public var accessLogFormat: AccessLogFormat = .logfmt
    /// Serve `/__status` and `/__metrics` to any client, not only loopback.
    public var statusFromAnywhere = false
    /// Serve `/__health` to any client (load balancers sit on other hosts);
    /// `statusFromAnywhere` implies it.
    public var healthFromAnywhere = false
    /// Written atomically at start, removed on a clean stop.
    public var pidFile: String?
    /// Serve `/__fault/...` endpoints (tests and chaos runs only).
    public var faultInjection = false
    /// An already listening TCP socket to serve on instead of binding
    /// `host`:`port` (socket activation done by the embedding program). nil:
    /// fd 3 when `LISTEN_FDS`/`LISTEN_PID` pass it to us, else bind. Checked
    /// at startup; never shut down, only closed.
    public var listenFD: Int32?
    /// The program USR2 re-executes; nil = the path this process was started
    /// from (argv[0], made absolute at startup).
    public var executable: String?
    /// How long an upgrade's new master may take to be ready before the old
    /// one kills it and keeps serving.
    public var upgradeTimeout: Duration = .seconds(60)
    /// Test-only (`--planted-defect`): a deliberate defect that the suite
    /// must catch. The engine never reads it directly: see `EngineKnobs`.
    package var plantedDefect: PlantedDefect?

    public init() {}

    /// The engine's internal knobs: the defaults, or what a planted defect turned.
    var knobs: EngineKnobs { plantedDefect?.knobs ?? EngineKnobs() }

    /// `executable` as resolved at startup (for /__status); set by Server.
    var resolvedBinary = ""

    /// Each worker's response budget before jitter; nil = unlimited.
    var lifetimeBudget: Int? { lifetime > 0 ? lifetime : nil }
}

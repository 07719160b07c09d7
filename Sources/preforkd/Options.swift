import ArgumentParser
import Prefork

struct ListeningOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Address to bind (IPv4 or IPv6 literal, or a name).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("TCP port (1-65535); 0 lets the kernel pick and the ready line names it.", valueName: "port"))
    var port = 1981

    @Option(help: ArgumentHelp("Listen backlog: connections wait here while workers are busy or respawning.", visibility: .hidden))
    var backlog = 1024

    @Option(help: ArgumentHelp(
        "TCP_DEFER_ACCEPT: hand a connection to a worker once its first bytes arrived, waiting up to this long (0 = off).",
        valueName: "seconds"))
    var deferAccept = 1

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        guard backlog > 0 else { throw ValidationError("--backlog must be at least 1") }
        guard (0...3600).contains(deferAccept) else {
            throw ValidationError("--defer-accept must be between 0 and 3600 seconds, got \(deferAccept)")
        }
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker processes kept alive (1-1024).", valueName: "n"))
    var workers = 5

    @Option(help: ArgumentHelp("Responses per worker before it retires and is replaced (0 = unlimited).", valueName: "n"))
    var lifetime = 100

    @Option(help: ArgumentHelp("Each worker adds a random 0...N to its lifetime, so workers do not retire together.", valueName: "n"))
    var lifetimeJitter = 0

    @Option(help: ArgumentHelp("Connections one worker holds at once (1 = the seed's one-at-a-time model).", valueName: "n"))
    var workerConnections = 1024

    @Option(help: ArgumentHelp("Largest request body in bytes (413 above).", valueName: "n"))
    var maxBody = 1 << 20

    func validate() throws {
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be between 1 and 1024, got \(workers)") }
        guard lifetime >= 0 else { throw ValidationError("--lifetime must be 0 (unlimited) or more, got \(lifetime)") }
        guard lifetimeJitter >= 0 else { throw ValidationError("--lifetime-jitter must be 0 or more, got \(lifetimeJitter)") }
        guard workerConnections >= 1 else { throw ValidationError("--worker-connections must be at least 1, got \(workerConnections)") }
        guard maxBody >= 0 else { throw ValidationError("--max-body must be 0 or more, got \(maxBody)") }
    }
}

struct TimeoutOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kill a worker whose heartbeat is older than this (0 = off).", valueName: "seconds"))
    var timeout = 30.0

    @Option(help: ArgumentHelp("On INT/TERM/HUP, wait this long for workers to finish before KILL.", valueName: "seconds"))
    var gracefulTimeout = 30.0

    @Option(help: ArgumentHelp("On INT/TERM/HUP, first answer 503 on /__health this long while serving on, then stop gracefully.",
                               valueName: "seconds"))
    var drainDelay = 0.0

    @Option(help: ArgumentHelp("Idle time allowed between requests on a keep-alive connection.", valueName: "seconds"))
    var keepaliveTimeout = 5.0

    @Option(help: ArgumentHelp("Time allowed to receive a whole request head.", valueName: "seconds"))
    var headerTimeout = 10.0

    @Option(help: ArgumentHelp("Time allowed to receive a request body.", valueName: "seconds"))
    var bodyTimeout = 30.0

    @Option(help: ArgumentHelp("Time allowed for a client to take a response.", valueName: "seconds"))
    var writeTimeout = 30.0

    @Option(help: ArgumentHelp("On USR2, time the new master has to be ready before it is killed (rollback).", valueName: "seconds"))
    var upgradeTimeout = 60.0

    func validate() throws {
        let all = [("--timeout", timeout), ("--graceful-timeout", gracefulTimeout), ("--drain-delay", drainDelay),
                   ("--keepalive-timeout", keepaliveTimeout),
                   ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--write-timeout", writeTimeout),
                   ("--upgrade-timeout", upgradeTimeout)]
        for (name, value) in all where !(value.isFinite && value >= 0 && value <= 86_400) {
            throw ValidationError("\(name) must be between 0 and 86400 seconds, got \(value)")
        }
        for (name, value) in all.dropFirst(3) where value == 0 {  // 0 is meaningful for the first three only
            throw ValidationError("\(name) must be more than 0")
        }
    }
}

struct ProcessOptions: ParsableArguments {
    @Flag(help: "Detach like the seed (double fork, setsid, chdir /, stdio to /dev/null); the launcher exits 0 once ready.")
    var daemon = false

    @Option(help: ArgumentHelp("Write the master's pid here; refuses to start if it names a live process. Default: none.",
                               valueName: "path"))
    var pidFile: String?
}

struct LoggingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Event log (logfmt). Default: stderr in the foreground, /tmp/daemon.log with --daemon.",
                               valueName: "path"))
    var logFile: String?

    @Option(help: ArgumentHelp("Access log, one line per answered request (\"-\" = stderr). Default: off.", valueName: "path"))
    var accessLog: String?

    @Option(help: ArgumentHelp("Access log line format: logfmt or combined (Apache/nginx).", valueName: "format"))
    var accessLogFormat: AccessLogFormat = .logfmt

    func validate() throws {
        if accessLog?.isEmpty == true { throw ValidationError("--access-log must not be empty (use - for stderr)") }
    }
}

struct ContentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve static files from this directory instead of the seed's response.", valueName: "dir"))
    var root: String?

    @Flag(help: "Serve /__status and /__metrics to every client, not only loopback (127.0.0.0/8, ::1).")
    var statusFromAnywhere = false

    @Flag(help: "Serve /__health to every client, not only loopback (load balancers on other hosts).")
    var healthFromAnywhere = false

    @Flag(help: "Enable /__fault/{sleep,crash,hang,exit,echo,boot-fail} (tests and chaos runs only).")
    var faultInjection = false

    @Option(help: ArgumentHelp("Test only: plant a defect the suite must catch.", visibility: .private))
    var plantedDefect: PlantedDefect?
}

extension PlantedDefect: ExpressibleByArgument {}
extension AccessLogFormat: ExpressibleByArgument {}

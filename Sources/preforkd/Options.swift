import ArgumentParser
import Prefork

struct ListeningOptions: ParsableArguments {
    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "TCP port (1-65535); 0 lets the kernel pick and the ready line names it.")
    var port = 1981

    @Option(help: ArgumentHelp("Listen backlog: connections wait here while workers are busy or respawning.", visibility: .hidden))
    var backlog = 1024

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        guard backlog > 0 else { throw ValidationError("--backlog must be at least 1") }
    }
}

struct WorkerOptions: ParsableArguments {
    @Option(help: "Worker processes kept alive (1-1024).")
    var workers = 5

    @Option(help: "Responses per worker before it retires and is replaced (0 = unlimited).")
    var lifetime = 100

    @Option(help: "Each worker adds a random 0...N to its lifetime, so workers do not retire together.")
    var lifetimeJitter = 0

    @Option(help: "Connections one worker holds at once (1 = the seed's one-at-a-time model).")
    var workerConnections = 1024

    @Option(help: "Largest request body in bytes (413 above).")
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
    @Option(help: "Kill a worker whose heartbeat is older than this (0 = off).")
    var timeout = 30.0

    @Option(help: "On INT/TERM/HUP, wait this long for workers to finish before KILL.")
    var gracefulTimeout = 30.0

    @Option(help: "Idle time allowed between requests on a keep-alive connection.")
    var keepaliveTimeout = 5.0

    @Option(help: "Time allowed to receive a whole request head.")
    var headerTimeout = 10.0

    @Option(help: "Time allowed to receive a request body.")
    var bodyTimeout = 30.0

    @Option(help: "Time allowed for a client to take a response.")
    var writeTimeout = 30.0

    func validate() throws {
        let all = [("--timeout", timeout), ("--graceful-timeout", gracefulTimeout), ("--keepalive-timeout", keepaliveTimeout),
                   ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--write-timeout", writeTimeout)]
        for (name, value) in all where !(value.isFinite && value >= 0 && value <= 86_400) {
            throw ValidationError("\(name) must be between 0 and 86400 seconds, got \(value)")
        }
        for (name, value) in all.dropFirst(2) where value == 0 {
            throw ValidationError("\(name) must be more than 0")
        }
    }
}

struct ProcessOptions: ParsableArguments {
    @Flag(help: "Detach like the seed (double fork, setsid, chdir /, stdio to /dev/null); the launcher exits 0 once ready.")
    var daemon = false

    @Option(help: "Event log (logfmt). Default: stderr in the foreground, /tmp/daemon.log with --daemon.")
    var logFile: String?

    @Option(help: "Write the master's pid here; refuses to start if it names a live process.")
    var pidFile: String?
}

struct ContentOptions: ParsableArguments {
    @Option(help: "Serve static files from this directory instead of the seed's response.")
    var root: String?

    @Flag(help: "Enable /__fault/{sleep,crash,hang,exit,echo,boot-fail} (tests and chaos runs only).")
    var faultInjection = false

    @Option(help: ArgumentHelp("Test only: plant a defect the suite must catch.", visibility: .private))
    var plantedDefect: PlantedDefect?
}

extension PlantedDefect: ExpressibleByArgument {}

@preconcurrency import Glibc

/// The engine's entry point: bind, pre-fork, supervise until stopped.
///
/// ```swift
/// var config = Configuration()
/// config.port = 8080
/// exit(Server(configuration: config).run(handler: MyHandler()))
/// ```
/// Call `run` from a synchronous `main` before any thread, Task or Dispatch
/// queue starts: a child forked from a multi-threaded process can hang.
public struct Server {
    /// What to run; read once when `run` starts.
    public var configuration: Configuration

    /// A server for `configuration`; nothing happens until `run`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the master in the foreground, or detached with `daemonize` (the
    /// launching process then exits inside this call). Returns the exit status:
    /// 0 after a clean stop, 1 when startup failed (the reason is printed).
    public func run(daemonize: Bool = false, handler: some RequestHandler) -> Int32 {
        var readiness = Readiness(channel: .stdout)
        if daemonize {
            do { readiness.channel = .launcherPipe(try Daemonizer.detach()) } catch {
                readiness.failed(error)
                return 1
            }
        }
        let config = configuration
        let signals: SignalSource
        let eventLog: EventLog
        let accessLog: AccessLog?
        let listener: Listener
        let scoreboard: Scoreboard
        let masterPipe: (read: Int32, write: Int32)
        let nudge: AcceptNudge
        let pidFile = config.pidFile.map(PidFile.init(path:))
        do {
            // Blocked first: a signal during startup waits in the queue.
            signals = try SignalSource(Signal.allCases)
            SignalSource.ignoreSIGPIPE()
            try DescriptorLimit.raise(toFit: config.workerConnections)
            let blockingLog = config.knobs.blockingLogs
            eventLog = try EventLog(path: config.logFile, blocking: blockingLog)
            accessLog = try config.accessLog.map { path throws(PosixError) in
                try AccessLog(path: path, format: config.accessLogFormat, blocking: blockingLog)
            }
            listener = try Listener.bind(host: config.host, port: config.port, backlog: config.backlog, deferAccept: config.deferAccept)
            scoreboard = try Scoreboard(capacity: max(64, config.workers))
            masterPipe = try Posix.pipe()
            nudge = try AcceptNudge.make()
            try pidFile?.claim(pid: getpid())
        } catch let error as StartupError {
            readiness.failed(error)
            return 1
        } catch {
            readiness.failed(StartupError("\(error)"))
            return 1
        }
        eventLog.backPressure.countDrops(in: scoreboard, .logLinesDroppedEvent)
        accessLog?.backPressure.countDrops(in: scoreboard, .logLinesDroppedAccess)
        scoreboard[.masterPid] = Int(getpid())
        scoreboard[.startedAt] = Int(Instant.now().nanoseconds)
        let spawner = WorkerSpawner(config: config, scoreboard: scoreboard, listenerFD: listener.fd,
                                    masterPipe: masterPipe, nudge: nudge, masterSignals: signals, eventLog: eventLog, accessLog: accessLog,
                                    handler: handler)
        let master = Master(config: config, eventLog: eventLog, accessLog: accessLog, scoreboard: scoreboard, signals: signals,
                            listener: listener, spawner: spawner, readiness: readiness)
        MetadataWarmup.run(config: config)
        let code = master.run()
        pidFile?.release(pid: getpid())
        return code
    }
}

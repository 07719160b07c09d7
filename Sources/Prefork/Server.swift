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
    /// Started by an upgrade (USR2 to the old master), it does not detach
    /// again: it is already in the daemon's session, on its stdio.
    public func run(daemonize: Bool = false, handler: some RequestHandler) -> Int32 {
        var readiness = Readiness(channel: .stdout)
        let handover = UpgradeHandover.fromEnvironment()
        // Before --daemon's chdir: a relative argv[0] is relative to here.
        let binary = BinaryPath.resolve(argv0: configuration.executable ?? CommandLine.arguments.first ?? "preforkd",
                                        arguments: CommandLine.arguments)
        if daemonize && handover == nil {
            do { readiness.channel = .launcherPipe(try Daemonizer.detach()) } catch {
                readiness.failed(error)
                return 1
            }
        } else if daemonize {
            try? Posix.changeDirectory("/")  // as the first daemon did; the launch ran in its old directory
        }
        var config = configuration
        config.resolvedBinary = binary.path
        let inheritedFD = config.listenFD ?? SocketActivation.fromEnvironment()
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
            if let inheritedFD {
                listener = try SocketActivation.adopt(fd: inheritedFD, deferAccept: config.deferAccept)
            } else {
                listener = try Listener.bind(host: config.host, port: config.port, backlog: config.backlog, deferAccept: config.deferAccept)
            }
            scoreboard = try Scoreboard(capacity: max(64, config.workers))
            masterPipe = try Posix.pipe()
            nudge = try AcceptNudge.make()
            // A new master takes the pid file only once it is ready.
            if handover == nil { try pidFile?.claim(pid: getpid()) }
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
        scoreboard[.masterStartedWall] = Int(time(nil))
        let log = eventLog.logger(label: "preforkd.master")
        if listener.inherited {
            log.notice("socket_inherited", metadata: [
                "fd": "\(listener.fd)", "addr": "\(listener.address)", "note": "--host and --port ignored",
            ])
        }
        let upgrader = Upgrader(config: config, binary: binary, listenerFD: listener.fd, scoreboard: scoreboard, log: log)
        let spawner = WorkerSpawner(config: config, scoreboard: scoreboard, listenerFD: listener.fd,
                                    masterPipe: masterPipe, nudge: nudge, masterSignals: signals, eventLog: eventLog, accessLog: accessLog,
                                    handler: handler)
        let master = Master(config: config, eventLog: eventLog, accessLog: accessLog, scoreboard: scoreboard, signals: signals,
                            listener: listener, spawner: spawner, readiness: readiness, upgrader: upgrader,
                            handover: handover, pidFile: pidFile)
        MetadataWarmup.run(config: config)
        let code = master.run()
        pidFile?.release(pid: getpid())
        return code
    }
}

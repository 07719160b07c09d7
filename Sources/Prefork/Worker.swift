@preconcurrency import Glibc
import CShims
import HTTP1
import Logging

/// Everything a freshly forked worker inherits from the master.
struct WorkerSetup {
    var identity: WorkerIdentity
    var config: Configuration
    var scoreboard: Scoreboard
    var listenerFD: Int32
    /// Read end of the master's pipe: EOF means the master died.
    var masterPipe: Int32
    /// Shared with every worker: see AcceptNudge.
    var nudge: AcceptNudge
    var masterPid: pid_t
    var eventLog: EventLog
    /// Opened by the master before the first fork; nil = off.
    var accessLog: AccessLog?
}

/// A worker process: one epoll loop over the shared listening socket, its
/// connections, its own signalfd and the master pipe. Single threaded; every
/// loop turn stores a heartbeat. It never returns: it ends with `_exit`.
final class Worker {
    let setup: WorkerSetup
    let log: Logger
    var handler: any RequestHandler
    let builtins: BuiltinRoutes
    let accessLog: AccessLog?
    let logs: LogBackPressure
    let knobs: EngineKnobs
    var loopErrors = LoopErrors()
    /// getpeername at accept: the access log or the loopback rule needs it.
    let readsPeer: Bool
    let epoll: Epoll
    let signals: SignalSource
    let timeouts: ConnectionTimeouts
    let limits: ParserLimits
    var budget: LifetimeBudget
    var dates = DateCache()
    var workerFields: WorkerFields
    /// Connections by descriptor (descriptors are small integers).
    var connections: [Connection?] = []
    var liveConnections = 0
    /// Of those, connections closing (lingering): they need no more units.
    var lingeringConnections = 0
    var servingConnections: Int { liveConnections - lingeringConnections }
    /// Of the serving ones, connections that claim no lifetime unit (Worker+UnitClaims).
    var unclaimedConnections = 0
    /// How long a closing connection waits for the peer's EOF.
    static let lingerTime: Duration = .milliseconds(200)
    /// How long a draining worker keeps an idle keep-alive connection open
    /// for one more request (see `beginDrain`).
    static let drainIdleNanos: UInt64 = 100_000_000
    /// The worker's relation to the shared listener (Worker+Listener).
    var listener = ListenerState.accepting
    /// When the listener was last moved to the back of the wait queue.
    var lastRequeue: Instant?
    var eagerRead = EagerRead()
    static let requeueNanos: UInt64 = 5_000_000
    /// A connection was seen queued while paused: check again then (see
    /// Worker+Backlog).
    var backlogCheckAt: Instant?
    /// Stopping: no new connections, idle ones closed, the rest finish. The
    /// listener is closed from the first moment of a drain to the exit.
    var draining: Bool { listener == .closed }
    /// An accept4 failure was logged; the next successful accept ends the episode.
    var acceptErrorEpisode = false
    /// Earliest deadline among connections: the timer scan runs only then.
    var nextTimerCheck = Instant(nanoseconds: .max)
    /// Longest epoll wait, so the heartbeat stays fresh (nanoseconds).
    let heartbeatNanos: UInt64
    /// Raw memory, never zeroed: a fresh worker touches only the pages its
    /// reads fill (a zeroed 64 KiB array cost a memset and 16 page faults per
    /// worker, 1.2% of the CPU under --lifetime 100). Freed by the exit.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    func withReadBuffer<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R { body(readBuffer) }

    /// Read from the worker's signalfd; TTIN/TTOU are blocked only so that a
    /// stray one cannot stop the process (their default action).
    static let signals: [Signal] = [.term, .int, .hup, .quit, .usr1, .usr2, .ttin, .ttou]

    var slot: Int { setup.identity.slot }
    var scoreboard: Scoreboard { setup.scoreboard }

    init(setup: WorkerSetup, handler: any RequestHandler) throws(PosixError) {
        self.setup = setup
        self.handler = handler
        var log = setup.eventLog.logger(label: "preforkd.worker")
        log[metadataKey: "pid"] = "\(setup.identity.pid)"
        log[metadataKey: "slot"] = "\(setup.identity.slot)"
        self.log = log
        self.workerFields = WorkerFields(pid: setup.identity.pid, slot: setup.identity.slot)
        let config = setup.config
        self.builtins = BuiltinRoutes(config: config, scoreboard: setup.scoreboard)
        self.accessLog = setup.accessLog
        self.logs = LogBackPressure(eventLog: setup.eventLog, accessLog: setup.accessLog)
        self.knobs = setup.config.knobs
        self.readsPeer = setup.accessLog != nil || !config.statusFromAnywhere  // implies /__health from anywhere
        self.timeouts = ConnectionTimeouts(config)
        self.limits = ParserLimits(maxBody: config.maxBody)
        self.budget = LifetimeBudget(lifetime: config.lifetimeBudget, jitter: config.lifetimeJitter,
                                     extra: config.knobs.extraLifetimeUnits)
        self.heartbeatNanos = ConnectionTimeouts.nanoseconds(min((config.timeout ?? .seconds(2)) / 2, .seconds(1)))
        self.signals = try SignalSource(Self.signals)
        self.epoll = try Epoll()
        try epoll.add(setup.listenerFD, Epoll.readable | Epoll.exclusive)
        try epoll.add(signals.fd, Epoll.readable)
        try epoll.add(setup.masterPipe, Epoll.readable)
        try epoll.add(setup.nudge.fd, Epoll.readable | Epoll.edgeTriggered)
    }

    /// Boots the handler and serves until drained; exits the process.
    func run() -> Never {
        do {
            try handler.boot(setup.identity)
        } catch {
            log.error("worker_boot_failed", metadata: ["error": "\(error)"])
            _exit(WorkerExit.bootFailed)
        }
        scoreboard.setState(slot: slot, .ready)
        while true {
            let now = Instant.now()
            scoreboard.beat(slot: slot, at: now)
            if draining && liveConnections == 0 { _exit(WorkerExit.ok) }
            logs.turn(log: log)
            // In nanoseconds: Duration arithmetic costs 128-bit multiplies per turn.
            var wake = min(nextTimerCheck, now.after(heartbeatNanos))
            if logs.needsTurn { wake = min(wake, now.after(UInt64(LogBackPressure.retryMs) * 1_000_000)) }
            let waitNs = wake.nanoseconds > now.nanoseconds ? wake.nanoseconds - now.nanoseconds : 0
            do {
                try epoll.wait(timeoutMs: Int32(clamping: (waitNs + 999_999) / 1_000_000)) { fd, events in
                    dispatch(fd: fd, events: events)
                }
            } catch {
                log.critical("epoll_failed", metadata: ["error": "\(error)"])
                _exit(1)
            }
            expireTimers(now: .now())
        }
    }

    private func dispatch(fd: Int32, events: UInt32) {
        if fd == setup.listenerFD && listener != .closed {  // once closed, the number may be reused
            listenerEvent()
        } else if fd == signals.fd {
            readSignals()
        } else if fd == setup.nudge.fd {
            if listener == .accepting { acceptConnections(drain: true) }
        } else if fd == setup.masterPipe {
            masterGone()
        } else if let connection = connection(for: fd) {
            connectionEvent(connection, events: events)
        }
    }

    /// A signalfd that fails (a bug) would leave the worker deaf to TERM:
    /// it drains instead (logged once), and the master refills the slot.
    private func readSignals() {
        do {
            for signal in try signals.drain() { handle(signal) }
        } catch {
            loopErrors.report(error, action: "drain", log: log)
            epoll.remove(signals.fd)
            beginDrain(reason: "signalfd_failed")
        }
    }

    private func handle(_ signal: Signal) {
        switch signal {
        case .term, .int, .hup:
            beginDrain(reason: "signal:\(signal.name)")
        case .quit:
            _exit(WorkerExit.ok)
        case .usr1:
            let failures = [setup.eventLog.reopen(), accessLog?.reopen()].compactMap { $0 }
            log.info("log_reopened", metadata: failures.first.map { ["error": "\($0)"] } ?? [:])
        case .ttin, .ttou, .usr2, .chld:
            break  // the master's business; blocked here so they cannot stop us
        }
    }

    /// The master pipe reached EOF: the master died. Confirm with getppid()
    /// (PR_SET_PDEATHSIG sends TERM as well) and stop gracefully.
    private func masterGone() {
        epoll.remove(setup.masterPipe)
        if getppid() != setup.masterPid { beginDrain(reason: "master_gone") }
    }

    func open(_ fd: Int32, peer: PeerAddress?, readNow: Bool) {
        let now = Instant.now()
        let connection = Connection(fd: fd, limits: limits, now: now)
        connection.claim = initialClaim(now: now)
        if let peer { connection.peer = peer }
        if Int(fd) >= connections.count {
            connections += Array(repeating: nil, count: Int(fd) + 1 - connections.count + 64)
        }
        connections[Int(fd)] = connection
        liveConnections += 1
        // The request is often already here: read now, save an epoll round
        // trip (see EagerRead). A connection answered and closed in this turn
        // (Connection: close) never enters the epoll set: no epoll_ctl for it
        // at all. Otherwise serve() left its deadline set, and it is
        // registered here (or already was, by a blocked write or a linger).
        if readNow {
            _ = readAndServe(connection)
        } else if eagerRead.shouldRead() {
            eagerRead.record(found: readAndServe(connection))
        } else {
            refreshDeadline(connection)
        }
        if self.connection(for: fd) === connection && !connection.registered {
            do {
                try register(connection, interest(connection))
            } catch {
                abort(connection)
            }
        }
    }

    /// Sets what epoll reports for a connection: ADD the first time, MOD after.
    /// Readiness that came before the ADD is reported by it (level-triggered).
    func register(_ connection: Connection, _ events: UInt32) throws(PosixError) {
        if connection.registered {
            try epoll.modify(connection.fd, events)
        } else {
            try epoll.add(connection.fd, events)
            connection.registered = true
        }
    }

    /// TERM, master death or a spent lifetime: stop accepting, close idle
    /// connections, let the others finish (their responses say close).
    func beginDrain(reason: String) {
        guard !draining else { return }
        acceptQueuedBeforeClosing()
        guard !draining else { return }  // the sweep spent the lifetime: that drain has run
        closeListener()
        scoreboard.setState(slot: slot, .draining)
        log.info("worker_draining", metadata: ["reason": "\(reason)", "served": "\(budget.reserved)"])
        // Fresh ones that claim no unit, or idle with nothing ever received:
        // closed now (no unit is left to answer them). Idle keep-alive
        // connections are not: a FIN sent now can cross a request already
        // on its way (a send error or a silent resend for the client; 9-14
        // per 20 upgrades under load). Each gets `drainIdleNanos` to bring
        // its next request, answered with Connection: close (no race: the
        // client reads that before it could reuse the connection), and
        // then closes as idle. From now, not from its last request: a busy
        // keep-alive connection's idle phase may date back to its accept.
        // Not at retirement: with the budget spent no request could be
        // answered, and the grace would only delay the exit (and the slot's
        // successor) on every rollover.
        let graceEnd = Instant.now().after(Self.drainIdleNanos)
        let spent = budget.isSpent
        for case let connection? in connections {
            guard spent || hearOut(connection) else { continue }
            if connection.claim == .none || (connection.isIdle && (connection.responses == 0 || spent)) {
                close(connection)
            } else if connection.isIdle && connection.deadline > graceEnd {
                connection.deadline = graceEnd
                if graceEnd < nextTimerCheck { nextTimerCheck = graceEnd }
            }
        }
    }

    // MARK: - Timers

    func refreshDeadline(_ connection: Connection) {
        connection.deadline = connection.computeDeadline(timeouts)
        if connection.deadline < nextTimerCheck { nextTimerCheck = connection.deadline }
    }

    private func expireTimers(now: Instant) {
        guard now >= nextTimerCheck else { return }
        nextTimerCheck = Instant(nanoseconds: .max)
        checkBacklog(now: now)
        endAcceptBackoff(now: now)
        for case let connection? in connections {
            if connection.deadline <= now && connection.claimExpired(now: now) {
                expireClaim(connection)
                guard connections[Int(connection.fd)] === connection else { continue }
                connection.deadline = connection.computeDeadline(timeouts)
            }
            if connection.deadline <= now {
                if connection.isLingering {
                    abort(connection)  // lingered long enough
                    continue
                } else if connection.delayedReply != nil {
                    deliverDelayed(connection, now: now)
                } else {
                    close(connection)  // header, body, idle or write timeout
                    continue
                }
            }
            if connections[Int(connection.fd)] === connection, connection.deadline < nextTimerCheck {
                nextTimerCheck = connection.deadline
            }
        }
        if let at = backlogCheckAt, at < nextTimerCheck { nextTimerCheck = at }
        if case .backingOff(let at) = listener, at < nextTimerCheck { nextTimerCheck = at }
    }

    func connection(for fd: Int32) -> Connection? {
        Int(fd) < connections.count ? connections[Int(fd)] : nil
    }

    /// Closes gracefully (after a last response, at drain, on a timeout): FIN
    /// now, then linger until the peer's EOF (or `lingerTime`), discarding
    /// input. Closing with unread input would send RST, which can destroy a
    /// response not yet read and turns a retryable EOF into a send error.
    func close(_ connection: Connection) {
        guard connections[Int(connection.fd)] === connection, !connection.isLingering else { return }
        if connection.inputClosed { abort(connection); return }  // the peer is done: nothing can cross
        // The client said this was its last request (Connection: close, or
        // HTTP/1.0 without keep-alive; RFC 9112 9.6: it sends nothing after)
        // and nothing of another is buffered: no request can cross our FIN,
        // so close now instead of a linger that costs an epoll round trip
        // and four syscalls per connection. Server-initiated closes (lifetime,
        // drain, timeouts) still linger: there a request may be under way.
        if connection.clientClosing && connection.parser.phase == .idle { abort(connection); return }
        Posix.shutdownWrite(connection.fd)
        dropClaim(connection)
        connection.releaseBodies()  // before: it ends a delay
        connection.state = .lingering(until: .now() + Self.lingerTime)
        connection.pollingWrite = false
        lingeringConnections += 1
        do {
            try register(connection, Epoll.readable | Epoll.peerClosed)
        } catch {
            abort(connection)  // cannot watch for the peer's EOF: close now (ENOMEM, or a bug)
            return
        }
        refreshDeadline(connection)
        discardInput(connection)
        resumeAccepting()
    }

    /// Reads and drops what a lingering connection sends; its EOF ends it.
    func discardInput(_ connection: Connection) {
        let fd = connection.fd
        let finished = withReadBuffer { buffer in
            while true {
                let count: Int?
                do { count = try Posix.read(fd, buffer) } catch { return true }  // reset
                guard let n = count else { return false }                          // drained, still open
                if n == 0 { return true }                                          // EOF
            }
        }
        if finished { abort(connection) }
    }

    /// Closes at once and forgets the connection (reset by the peer, write
    /// error, lingering over).
    func abort(_ connection: Connection) {
        guard connections[Int(connection.fd)] === connection else { return }
        connections[Int(connection.fd)] = nil
        liveConnections -= 1
        if connection.isLingering { lingeringConnections -= 1 }
        dropClaim(connection)
        connection.releaseBodies()
        // No epoll.remove: closing the worker's only descriptor of the socket
        // takes it out of the epoll set (saves an epoll_ctl per connection).
        Posix.close(connection.fd)
        resumeAccepting()
        requeueWhenIdle()
    }
}

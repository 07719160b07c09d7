@preconcurrency import Glibc
import CShims

/// Forks one worker. The child side resets what it inherited (signal mask,
/// the master's signalfd, the pipe's write end), arms master-death detection,
/// boots the handler and runs the worker loop; it never returns.
struct WorkerSpawner {
    let config: Configuration
    let scoreboard: Scoreboard
    let listenerFD: Int32
    /// The master keeps `write` open and never writes: workers see EOF on
    /// `read` exactly when the master is gone.
    let masterPipe: (read: Int32, write: Int32)
    let nudge: AcceptNudge
    let masterSignals: SignalSource
    let eventLog: EventLog
    let accessLog: AccessLog?
    let handler: any RequestHandler

    func spawn(slot: Int, generation: Int, now: Instant) -> Result<pid_t, PosixError> {
        scoreboard.prepareSpawn(slot: slot, generation: generation, at: now)
        fflush(nil)  // buffered stdout must not be written twice
        let pid: pid_t
        do { pid = try Posix.fork() } catch { return .failure(error) }
        if pid == 0 { runChild(slot: slot, generation: generation) }
        scoreboard.recordPid(slot: slot, pid: pid)
        return .success(pid)
    }

    private func runChild(slot: Int, generation: Int) -> Never {
        let masterPid = getppid()
        SignalSource.resetInChild(closing: masterSignals, keepBlocked: Worker.signals)
        SignalSource.ignoreSIGPIPE()
        _ = cshim_set_pdeathsig(SIGTERM)
        // The master may have died between fork and prctl: then no signal comes.
        let stillParented = getppid() == masterPid
        Posix.close(masterPipe.write)
        let identity = WorkerIdentity(pid: getpid(), slot: slot, generation: generation)
        scoreboard.recordPid(slot: slot, pid: identity.pid)
        if config.faultInjection && scoreboard[.bootFailFlag] != 0 {
            _exit(WorkerExit.bootFailed)  // /__fault/boot-fail: exercise the crash-loop backoff
        }
        let setup = WorkerSetup(identity: identity, config: config, scoreboard: scoreboard, listenerFD: listenerFD,
                                masterPipe: masterPipe.read, nudge: nudge, masterPid: masterPid, eventLog: eventLog,
                                accessLog: accessLog)
        do {
            let worker = try Worker(setup: setup, handler: handler)
            if !stillParented { worker.beginDrain(reason: "master_gone") }
            worker.run()
        } catch {
            eventLog.logger(label: "preforkd.worker").error("worker_boot_failed", metadata: ["error": "\(error)"])
            _exit(WorkerExit.bootFailed)
        }
    }
}

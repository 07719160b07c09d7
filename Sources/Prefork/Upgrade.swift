@preconcurrency import Glibc
import CShims
import Logging

/// The old master's hands for a USR2 upgrade (UpgradeState decides): start
/// the new master with the listener as fd 3 (systemd's convention, so one
/// adoption path serves both) and a readiness pipe as fd 4, watch that pipe,
/// kill the new generation on rollback.
final class UpgradeLauncher {
    /// Names the readiness pipe's descriptor in the new master.
    static let readyFDVariable = "PREFORKD_UPGRADE_FD"
    /// The old master's process group, which the new one joins once ready.
    static let groupVariable = "PREFORKD_UPGRADE_PGID"
    private static let readyFD: Int32 = 4

    let binary: BinaryPath
    private let listenerFD: Int32
    /// The pipe's read end while a new master is starting.
    private(set) var readyPipe: Int32?
    private var received: [UInt8] = []

    init(binary: BinaryPath, listenerFD: Int32) {
        self.binary = binary
        self.listenerFD = listenerFD
    }

    /// fork + exec `binary` with the same arguments in its own process group.
    /// The child's environment is ours minus stale LISTEN_*/PREFORKD_UPGRADE_*
    /// plus the hand-over variables; LISTEN_PID is filled in by the child.
    func launch() -> Result<pid_t, PosixError> {
        let pipe: (read: Int32, write: Int32)
        do { pipe = try Posix.pipe() } catch { return .failure(error) }
        let variables = Self.inheritedEnvironment() + [
            "LISTEN_FDS=1", "\(Self.readyFDVariable)=\(Self.readyFD)", "\(Self.groupVariable)=\(getpgrp())",
        ]
        let argv = binary.arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil, nil]  // one free slot for LISTEN_PID
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            Posix.close(pipe.write)
        }
        fflush(nil)  // buffered output must not be written twice
        var envCopy = envp
        let pid = argv.withUnsafeBufferPointer { a in
            envCopy.withUnsafeMutableBufferPointer { e in
                cshim_fork_exec_upgrade(binary.path, a.baseAddress, e.baseAddress, binary.directory, listenerFD, pipe.write)
            }
        }
        guard pid > 0 else {
            Posix.close(pipe.read)
            return .failure(PosixError(call: "fork", errno: errno))
        }
        readyPipe = pipe.read
        received = []
        return .success(pid)
    }

    /// Reads what the new master sent. true: it reported ready; false: the
    /// pipe closed without it (its exit, reaped separately, says why); nil:
    /// nothing conclusive yet.
    func readReady() -> Bool? {
        guard let fd = readyPipe else { return nil }
        var chunk = [UInt8](repeating: 0, count: 128)
        while true {
            // EAGAIN cannot happen after POLLIN, but is not an answer either; an error neither.
            guard let n = try? chunk.withUnsafeMutableBytes({ buffer throws(PosixError) in try Posix.read(fd, buffer) }) else {
                return nil
            }
            if n == 0 {
                closePipe()
                return received.starts(with: Array("ready".utf8))
            }
            received += chunk.prefix(n)
            if received.contains(UInt8(ascii: "\n")) {
                closePipe()
                return received.starts(with: Array("ready".utf8))
            }
        }
    }

    func closePipe() {
        if let fd = readyPipe { Posix.close(fd) }
        readyPipe = nil
    }

    /// SIGKILL to the new master's process group and to the master itself
    /// (in case it already left the group to join ours).
    static func killGeneration(pid: pid_t) {
        Posix.killGroup(pid, SIGKILL)
        Posix.kill(pid, SIGKILL)
    }

    private static func inheritedEnvironment() -> [String] {
        var out: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !(text.hasPrefix("LISTEN_") || text.hasPrefix("PREFORKD_UPGRADE_")) { out.append(text) }
            cursor += 1
        }
        return out
    }
}

/// The new master's side of an upgrade: the readiness pipe from the old
/// master and the process group to join once ready (so the operator's and
/// the supervisor's group signals reach the new generation too).
struct UpgradeHandover {
    let fd: Int32
    let group: pid_t

    /// Present only in a master started by USR2; the variables are removed
    /// so workers and later upgrades never see them.
    static func fromEnvironment() -> UpgradeHandover? {
        defer {
            unsetenv(UpgradeLauncher.readyFDVariable)
            unsetenv(UpgradeLauncher.groupVariable)
        }
        guard let fdText = getenv(UpgradeLauncher.readyFDVariable).map({ String(cString: $0) }), let fd = Int32(fdText),
              let groupText = getenv(UpgradeLauncher.groupVariable).map({ String(cString: $0) }), let group = pid_t(groupText),
              Posix.isOpen(fd) else { return nil }
        do {
            try Posix.setCloseOnExec(fd)  // never leaks into a later upgrade
        } catch {
            return nil  // an open fd that fcntl refuses is not a pipe the old master gave us
        }
        return UpgradeHandover(fd: fd, group: group)
    }

    /// Moves this master and its workers (forked, not exec'd, so allowed)
    /// into the old master's group; later workers inherit it. Best effort:
    /// returns the first failure for the log.
    func joinGroup(workers: [pid_t]) -> PosixError? {
        var failure: PosixError?
        for pid in [0] + workers {
            do { try Posix.setProcessGroup(pid, group) } catch { failure = failure ?? error }
        }
        return failure
    }

    /// Tells the old master we are serving; it drains and exits.
    func tell(pid: pid_t) throws(PosixError) {
        defer { Posix.close(fd) }
        try Posix.writeAll(fd, "ready pid=\(pid)\n")
    }
}

/// Runs the upgrade for the master: feeds UpgradeState its inputs (USR2, the
/// pipe, reaped pids, stop signals, time), performs the actions, logs the
/// events and mirrors the state on the scoreboard for /__status. The one
/// action it cannot perform, draining our own workers, it hands back.
final class Upgrader {
    private var state: UpgradeState
    private let launcher: UpgradeLauncher
    private let scoreboard: Scoreboard
    private let log: Logger

    init(config: Configuration, binary: BinaryPath, listenerFD: Int32, scoreboard: Scoreboard, log: Logger) {
        state = UpgradeState(timeout: config.upgradeTimeout, stopGrace: config.gracefulTimeout)
        state.rollback = config.knobs.rollsBackUpgrades
        launcher = UpgradeLauncher(binary: binary, listenerFD: listenerFD)
        self.scoreboard = scoreboard
        self.log = log
    }

    /// The readiness pipe to poll, while a new master is starting.
    var pipeFD: Int32? { launcher.readyPipe }
    /// A new master we must reap before we may exit.
    var mustWait: Bool { state.pendingChild != nil }
    func nextDeadline() -> Instant? { state.nextDeadline() }

    /// USR2.
    func requested(now: Instant, stopping: Bool) { _ = perform(state.requested(now: now, stopping: stopping)) }

    /// The pipe is readable. true: hand over now.
    func pipeReadable(now: Instant) -> Bool {
        guard let ready = launcher.readReady(), ready else { return false }
        return perform(state.readyReported(now: now))
    }

    /// A reaped child; true if it was the new master.
    func reaped(pid: pid_t, status: TerminationStatus) -> Bool {
        guard let actions = state.exited(pid: pid, status: status) else { return false }
        launcher.closePipe()
        _ = perform(actions)
        return true
    }

    func stop(graceful: Bool, now: Instant) { _ = perform(state.stop(graceful: graceful, now: now)) }
    func tick(now: Instant) { _ = perform(state.tick(now: now)) }

    /// Returns true when the actions include the hand-over.
    private func perform(_ actions: [UpgradeAction]) -> Bool {
        var handOver = false
        for action in actions {
            switch action {
            case .launch:
                switch launcher.launch() {
                case .success(let pid): _ = perform(state.launched(pid: pid, now: .now()))
                case .failure(let error): _ = perform(state.launchFailed(errno: error.errno))
                }
            case .killGeneration(let pid):
                launcher.closePipe()
                UpgradeLauncher.killGeneration(pid: pid)
            case .signalMaster(let pid, let signo):
                Posix.kill(pid, signo)
            case .handOver:
                launcher.closePipe()
                handOver = true
            case .event(let event):
                record(event)
            }
        }
        publish()
        return handOver
    }

    private func record(_ event: UpgradeEvent) {
        switch event {
        case .started(let pid):
            log.notice("upgrade_started", metadata: ["new_pid": "\(pid)", "binary": "\(launcher.binary.path)"])
        case .ready(let pid, let handover):
            log.notice("upgrade_ready", metadata: ["new_pid": "\(pid)", "handover_ms": "\(Int(handover.milliseconds))"])
        case .failed(let failure):
            log.error("upgrade_failed", metadata: ["reason": "\(failure)"])
            publish(failure: failure)
        case .ignored(let reason):
            log.warning("upgrade_ignored", metadata: ["reason": "\(reason)"])
        }
    }

    /// The scoreboard words /__status reads.
    private func publish() {
        scoreboard[.upgradePid] = Int(state.inProgressPid ?? 0)
    }

    private func publish(failure: UpgradeFailure) {
        let (kind, code): (Int, Int32)
        switch failure {
        case .ended(.exited(let n)): (kind, code) = (1, n)
        case .ended(.signaled(let n)): (kind, code) = (2, n)
        case .timeout: (kind, code) = (3, 0)
        case .forkFailed(let n): (kind, code) = (4, n)
        }
        scoreboard[.upgradeFailureKind] = kind
        scoreboard[.upgradeFailureCode] = Int(code)
        scoreboard[.upgradeFailedAt] = Int(time(nil))
    }
}

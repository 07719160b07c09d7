import Foundation
import Glibc
import Harness

/// One host: a preforkd master started inside its namespace, in its own
/// process group, with its own pid file and logs under the report directory.
final class FleetHost: @unchecked Sendable {
    let index: Int
    let namespace: String
    let arguments: [String]
    let pidFile: String
    let eventLog: String
    let accessLog: String
    /// Seconds the spawned process may live (the watchdog's deadline).
    let lifetime: Double
    private let state = Locked<(process: SpawnedProcess?, faulted: Bool)>((nil, false))

    init(index: Int, topology: Topology, preforkd: String, dir: String, extraArgs: [String], lifetime: Double,
         drainDelay: Bool = true) {
        self.index = index
        namespace = topology.hostNamespace(index)
        pidFile = "\(dir)/h\(index).pid"
        eventLog = "\(dir)/h\(index).events.log"
        accessLog = "\(dir)/h\(index).access.log"
        self.lifetime = lifetime
        arguments = ["netns", "exec", namespace, preforkd, "--host", topology.hostAddress(index),
                     "--port", "\(topology.hostPort)", "--workers", "2", "--fault-injection", "--health-from-anywhere"]
            + (drainDelay ? ["--drain-delay", "1"] : []) + ["--pid-file", pidFile, "--log-file", eventLog, "--access-log", accessLog]
            + extraArgs
    }

    /// Starts preforkd (`ip netns exec` execs it, so the pid is the master's)
    /// and waits for its ready line.
    func start() throws {
        let p = try SpawnedProcess.spawn("ip", arguments, deadline: lifetime, newProcessGroup: true)
        do { _ = try p.waitReady(timeout: 15) } catch {
            p.terminateAndReap()
            throw FleetSetupError("host h\(index) did not start: \(error)")
        }
        state.withLock { $0.process = p }
    }

    /// The process group every process of this host is in (the spawned master's pid).
    var group: Int32? { state.value.process?.pid }
    var spawnedPid: Int32? { state.value.process?.pid }

    /// The current master: the pid file's (it follows upgrades), else the spawned one.
    var master: Int32? {
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), ProcFS.exists(pid) { return pid }
        return spawnedPid
    }

    /// True while a fault holds the host (samplers skip it then).
    var faulted: Bool {
        get { state.value.faulted }
        set { state.withLock { $0.faulted = newValue } }
    }

    /// Signals every process of the host's group.
    func signalGroup(_ signo: Int32) {
        guard let g = group, g > 1 else { return }
        _ = Sys.killGroup(g, signo)
    }

    /// Waits until `pid` has exited and is reaped: the spawned process by its
    /// handle, an adopted one (an upgraded master, re-parented to the
    /// subreaper runner) by waitpid on its pid.
    func waitGone(_ pid: Int32, timeout: Double) -> Bool {
        if let p = state.value.process, p.pid == pid { return p.wait(timeout: timeout) != nil }
        return waitUntil(timeout: timeout, interval: 0.01) {
            if (try? Sys.reap(pid)) ?? nil != nil { return true }
            return !ProcFS.exists(pid)
        }
    }

    /// SIGKILLs the whole group and reaps the spawned master; adopted
    /// members are reaped by the runner's orphan sweep.
    func kill() {
        signalGroup(SIGCONT)
        let p = state.value.process
        signalGroup(SIGKILL)
        p?.terminateAndReap()
        state.withLock { $0.process = nil }
    }
}

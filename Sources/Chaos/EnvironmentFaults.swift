import Curl
import Glibc
import Harness

/// The hostile-environment faults: each lasts `PlannedFault.length`, runs on
/// its own thread and undoes itself before it returns (SIGCONT, reading the
/// logs again, the old descriptor limit, the flood closed), so a run never
/// ends with the target wedged by the runner.
extension FaultInjector {
    /// Applies the environment fault `plan` and waits out its length.
    func environment(_ plan: PlannedFault, _ e: inout FaultEvent) {
        let length = plan.length ?? 3
        switch plan.kind {
        case .groupFreeze: pause(group: true, length, &e)
        case .masterStop: pause(group: false, length, &e)
        case .logStall: logStall(length, &e)
        case .slowlorisFlood: slowlorisFlood(plan, length, &e)
        case .fdLimit: fdLimit(plan, length, &e)
        case .logFull: logFull(length, &e)
        case .cpuThrottle: cpuThrottle(length, &e)
        case .toxicClients: toxicClients(plan, length, &e)
        case .kill, .stop, .crash, .hang, .signalStorm, .slowloris, .malformed, .masterKill, .bootFail,
             .upgrade, .badUpgrade, .reload, .scaleDown, .scaleUp:
            e.applied = false
            e.detail = "not an environment fault"
        }
        e.endedAt = e.endedAt ?? monotonicNow()
    }

    /// SIGSTOP the master's whole process group (group-freeze) or the master
    /// alone (master-stop), then SIGCONT. The master is our unreaped child,
    /// so neither its pid nor its group id can have been reused.
    private func pause(group: Bool, _ length: Double, _ e: inout FaultEvent) {
        guard ProcFS.entry(master)?.startTime == masterStart else {
            e.applied = false
            e.detail = "master gone"
            return
        }
        let target = group ? -master : master
        let deliver = { [master] (signo: Int32) in group ? Sys.killGroup(master, signo) : Sys.kill(master, signo) }
        e.victimPid = master
        e.time = monotonicNow()
        guard deliver(SIGSTOP) else {
            e.applied = false
            e.detail = "kill(\(target), SIGSTOP): \(String(cString: strerror(errno)))"
            return
        }
        sleep(until: e.time + ns(length))
        let resumed = deliver(SIGCONT)
        e.endedAt = monotonicNow()
        e.detail = (group ? "SIGSTOP process group \(master)" : "SIGSTOP master \(master)")
            + " for \(fmt(length, 1)) s, then SIGCONT" + (resumed ? "" : " (failed: \(String(cString: strerror(errno))))")
    }

    /// Stops reading both log pipes, then reads (and drains) them again.
    private func logStall(_ length: Double, _ e: inout FaultEvent) {
        guard let logs else {
            e.applied = false
            e.detail = "the target's logs are not on runner-held pipes (preforkd only)"
            return
        }
        let before = logs.totalRead
        let filled = logs.pause()
        e.time = monotonicNow()
        sleep(until: e.time + ns(length))
        logs.resume()
        e.endedAt = monotonicNow()
        e.detail = "stopped reading the event and access log pipes for \(fmt(length, 1)) s, "
            + "left full (\(filled) bytes of filler; \(before) bytes read before)"
    }

    /// Fills the access log's tmpfs for `length`, then frees it.
    func logFull(_ length: Double, _ e: inout FaultEvent) {
        guard let disk = logDisk.disk else {
            e.applied = false
            e.detail = "skipped: " + (logDisk.reason ?? "the access log is not on the runner's tmpfs (preforkd only)")
            return
        }
        e.time = monotonicNow()
        let filled = disk.fill()
        sleep(until: e.time + ns(length))
        disk.drain()
        e.endedAt = monotonicNow()
        e.detail = "access log tmpfs \(disk.directory) full for \(fmt(length, 1)) s (\(filled) bytes of filler)"
    }
}

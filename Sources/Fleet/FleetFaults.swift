import Foundation
import Glibc
import Harness

/// Carries out the planned faults one after another on its own thread and
/// records each as it happened. Every fault gives its host back before the
/// next starts, so at most one host is out at a time.
final class FleetFaults: @unchecked Sendable {
    let plan: [PlannedFleetFault]
    let hosts: [FleetHost]
    let topology: Topology
    let stats: StatsPoller
    let timing: HealthTiming
    private let done = Locked<[FleetFault]>([])
    private let stopped = Locked(false)
    private let finished = Locked(false)
    private let problems = Locked<[String]>([])

    init(plan: [PlannedFleetFault], hosts: [FleetHost], topology: Topology, stats: StatsPoller, timing: HealthTiming) {
        self.plan = plan
        self.hosts = hosts
        self.topology = topology
        self.stats = stats
        self.timing = timing
    }

    func start() {
        let t0 = monotonicSeconds()
        Thread.detachNewThread { [self] in
            defer { finished.withLock { $0 = true } }
            for p in plan {
                let wait = t0 + p.at - monotonicSeconds()
                if wait > 0 { _ = waitUntil(timeout: wait, interval: 0.05) { stopped.value } }
                if stopped.value { return }
                do { try perform(p) } catch { problems.withLock { $0.append("\(p.kind.rawValue) h\(p.host): \(error)") } }
            }
        }
    }

    /// Lets the fault in progress finish (bounded), then stops.
    func stop() {
        stopped.withLock { $0 = true }
        _ = waitUntil(timeout: 60, interval: 0.05) { finished.value }
    }

    var faults: [FleetFault] { done.value }
    /// Faults that could not be carried out (a host that did not restart, ...).
    var errors: [String] { problems.value }

    private func now() -> Double { Date().timeIntervalSince1970 }

    private func record(_ kind: FleetFaultKind, _ host: Int, _ start: Double, exitedAt: Double? = nil, note: String = "",
                        orphans: [String] = []) {
        var f = FleetFault(kind: kind, host: host, start: start, end: now(), exitedAt: exitedAt, note: note)
        f.orphans = orphans
        done.withLock { $0.append(f) }
    }

    /// The old master's workers still alive 1 s after it was gone (it must take them with it).
    private func leftovers(_ workers: [ProcessEntry]) -> [String] {
        let alive = { workers.compactMap { w in ProcFS.entry(w.pid).flatMap { $0.startTime == w.startTime && !$0.isZombie ? $0 : nil } } }
        _ = waitUntil(timeout: 1, interval: 0.02) { alive().isEmpty }
        return OrphanCheck.violations(workers: workers, observed: alive(), runner: getpid())
    }

    private func perform(_ p: PlannedFleetFault) throws {
        switch p.kind {
        case .hostKill: try hostKill(hosts[p.host], restartAfter: p.length)
        case .hostFreeze: try freeze(hosts[p.host], for: p.length)
        case .partition: try partition(p.host, for: p.length)
        case .slowHost: try slow(p.host, for: p.length)
        case .rollingUpgrade: try rolling(from: p.host) { try upgrade($0) }
        case .rollingRestart: try rolling(from: p.host) { try restart($0) }
        }
    }

    private func hostKill(_ h: FleetHost, restartAfter delay: Double) throws {
        h.faulted = true
        defer { h.faulted = false }
        try hold(.hostKill, h.index, for: delay, note: "restarted after", apply: h.kill, undo: h.start)
    }

    private func freeze(_ h: FleetHost, for length: Double) throws {
        h.faulted = true
        defer { h.faulted = false }
        try hold(.hostFreeze, h.index, for: length, note: "stopped",
                 apply: { h.signalGroup(SIGSTOP) }, undo: { h.signalGroup(SIGCONT) })
    }

    private func partition(_ i: Int, for length: Double) throws {
        let link = topology.linkBalancerSide(topology.hostRole(i))
        let ns = topology.balancerNamespace
        try hold(.partition, i, for: length, note: "link down",
                 apply: { try Command.run("ip", ["-n", ns, "link", "set", link, "down"]) },
                 undo: { try Command.run("ip", ["-n", ns, "link", "set", link, "up"]) })
    }

    private func slow(_ i: Int, for length: Double) throws {
        let link = topology.linkBalancerSide(topology.hostRole(i))
        let ns = topology.balancerNamespace
        try hold(.slowHost, i, for: length, note: "tbf 256kbit",
                 apply: { try Command.run("tc", ["-n", ns, "qdisc", "add", "dev", link, "root", "tbf", "rate", "256kbit",
                                                 "burst", "4kb", "latency", "200ms"]) },
                 undo: { try Command.run("tc", ["-n", ns, "qdisc", "del", "dev", link, "root"]) })
    }

    /// A fault that lasts: apply it, hold it for `length`, undo it, record it
    /// ("NOTE 2.0s").
    private func hold(_ kind: FleetFaultKind, _ host: Int, for length: Double, note: String,
                      apply: () throws -> Void, undo: () throws -> Void) throws {
        let start = now()
        try apply()
        Sys.sleep(length)
        try undo()
        record(kind, host, start, note: "\(note) \(String(format: "%.1f", length))s")
    }

    /// Every host in turn from `first`; each must read UP again before the next.
    private func rolling(from first: Int, _ step: (FleetHost) throws -> Void) throws {
        for k in 0..<hosts.count {
            if stopped.value && k > 0 { return }
            let h = hosts[(first + k) % hosts.count]
            try step(h)
            _ = stats.waitUp(topology.serverName(h.index), timeout: 5 + timing.interval * Double(timing.rise))
        }
    }

    /// USR2, then wait until the pid file names a new master and the old one is gone.
    private func upgrade(_ h: FleetHost) throws {
        let start = now()
        let workers = h.master.map { ProcFS.children(of: $0) } ?? []
        let old = try signalMaster(h, SIGUSR2)
        defer { h.faulted = false }
        let swapped = waitUntil(timeout: 15, interval: 0.02) { (h.master ?? old) != old }
        let gone = h.waitGone(old, timeout: 15)
        guard swapped && gone else { throw FleetSetupError("h\(h.index): upgrade of \(old) did not finish (new master: \(swapped), old gone: \(gone))") }
        record(.rollingUpgrade, h.index, start, note: "master \(old) -> \(h.master ?? 0)", orphans: leftovers(workers))
    }

    /// TERM (the host drains for --drain-delay, then stops), wait for the exit, start again.
    private func restart(_ h: FleetHost) throws {
        let start = now()
        let workers = h.master.map { ProcFS.children(of: $0) } ?? []
        let master = try signalMaster(h, SIGTERM)
        defer { h.faulted = false }
        guard h.waitGone(master, timeout: 15) else { throw FleetSetupError("h\(h.index): master \(master) did not stop after TERM") }
        let exited = now()
        let orphans = leftovers(workers)   // before the group kill below would hide them
        h.kill()
        try h.start()
        record(.rollingRestart, h.index, start, exitedAt: exited, note: "stopped in \(String(format: "%.2f", exited - start))s",
               orphans: orphans)
    }

    /// Marks the host held (samplers skip it; the caller clears it) and signals its current master.
    private func signalMaster(_ h: FleetHost, _ signo: Int32) throws -> Int32 {
        guard let master = h.master else { throw FleetSetupError("h\(h.index) has no master") }
        h.faulted = true
        _ = Sys.kill(master, signo)
        return master
    }
}

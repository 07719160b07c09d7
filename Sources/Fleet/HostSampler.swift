import Foundation
import Harness

/// Samples every host's master from /proc (chaos-run's ProcessSample) while
/// no fault holds it, and reaps the hosts' adopted orphans (the subreaper
/// runner inherits a killed master's workers and upgraded masters).
final class HostSampler: @unchecked Sendable {
    let hosts: [FleetHost]
    let interval: Double
    private let samples: Locked<[[ProcessSample]]>
    private let missing: Locked<[[Double]]>
    private let stopped = Locked(false)
    private let finished = Locked(false)

    init(hosts: [FleetHost], interval: Double = 0.05) {
        self.hosts = hosts
        self.interval = interval
        samples = Locked(Array(repeating: [], count: hosts.count))
        missing = Locked(Array(repeating: [], count: hosts.count))
    }

    func start() {
        Thread.detachNewThread { [self] in
            defer { finished.withLock { $0 = true } }
            while !stopped.value {
                for h in hosts { look(h) }
                sweep()
                Sys.sleep(interval)
            }
        }
    }

    private func look(_ h: FleetHost) {
        guard !h.faulted, let master = h.master else { return }
        let s = ProcessSample.take(master: master)
        guard !h.faulted else { return }   // a fault began during the read
        samples.withLock { $0[h.index].append(s) }
        if !s.masterAlive { missing.withLock { $0[h.index].append(Date().timeIntervalSince1970) } }
    }

    /// Reaps exited adopted members of the hosts' groups (never the spawned masters: their handles reap them).
    func sweep() {
        let groups = Set(hosts.compactMap(\.group))
        let spawned = Set(hosts.compactMap(\.spawnedPid))
        Subreaper.reapOrphans(excluding: spawned) { groups.contains($0.pgrp) || $0.isZombie && $0.comm == "preforkd" }
    }

    func stop() {
        stopped.withLock { $0 = true }
        _ = waitUntil(timeout: 2) { finished.value }
    }

    var all: [[ProcessSample]] { samples.value }
    var masterMissing: [[Double]] { missing.value }
}

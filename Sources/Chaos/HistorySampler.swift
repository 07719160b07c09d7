import Foundation
import Glibc
import Harness

/// Samples /proc every `interval` on its own thread: the master's children
/// (state, start time), the runner's own other children (adopted orphans),
/// and the master's fd count and RSS. One /proc scan per tick.
final class HistorySampler: Sendable {
    /// Whose tree is sampled: the current master, followed across upgrades.
    let tracker: MasterTracker
    let runner: Int32
    let interval: Double
    private let samples = Locked<[ProcessSnapshot]>([])
    private let stopFlag = Locked(false)
    private let done = Locked(false)

    init(tracker: MasterTracker, interval: Double = 0.01) {
        self.tracker = tracker
        runner = getpid()
        self.interval = interval
    }

    func start() {
        samples.with { $0.reserveCapacity(8192) }
        Thread.detachNewThread { [self] in
            // Paced from each scan's start: the gap between samples is
            // max(interval, scan time), not their sum, and never less than
            // the interval (no catch-up bursts of back-to-back samples).
            while !stopFlag.value {
                let next = monotonicNanos() + UInt64(interval * 1e9)
                let s = take()
                samples.with { $0.append(s) }
                let now = monotonicNanos()
                if next > now { usleep(UInt32((next - now) / 1000)) }
            }
            done.with { $0 = true }
        }
    }

    /// One sample now. Its time is taken AFTER the /proc scan: a process
    /// missing from the sample was certainly gone by then (a full scan can
    /// take 20 ms on a loaded machine; stamping the start made a retiring
    /// worker look dead before its last answers). This kernel has no
    /// /proc/PID/task/TID/children, hence the full scan.
    func take() -> ProcessSnapshot {
        let all = ProcFS.all()
        let now = monotonicNanos()
        let master = tracker.update(from: all, now: now).pid
        let masters = tracker.masterPids
        let me = all.first { $0.pid == master }
        let alive = me.map { !$0.isZombie } ?? false
        // Only the daemon's own escapees count: it runs in its own process
        // group, and other work in this process (parallel tests) may leave
        // unrelated orphans with the runner too.
        let group = tracker.group
        // The workers of every master generation still alive (an old one
        // drains while the new one serves), never a master itself, nor a new
        // master still booting in its own process group.
        let kids = all.filter { masters.contains($0.ppid) && !masters.contains($0.pid) && $0.pgrp == group }
            .map(ProcInfo.init)
        let orphans = all.filter { $0.ppid == runner && !masters.contains($0.pid) && $0.pgrp == group }
            .map(ProcInfo.init)
        var snap = ProcessSnapshot(time: now, masterAlive: alive, children: alive ? kids : [],
                                   orphans: orphans, masterFDs: alive ? ProcFS.fdCount(master) : nil,
                                   masterRSSKB: alive ? ProcFS.rssKB(master) : nil)
        if masters.count > 1 { snap.masterPid = master }
        if alive {
            snap.masterState = me.map { String($0.state) }
            snap.masterWchan = readWchan(master)
        }
        return snap
    }

    /// /proc/PID/wchan: the kernel function the process sleeps in ("0" when running).
    private func readWchan(_ pid: Int32) -> String? {
        let fd = open("/proc/\(pid)/wchan", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : nil
    }

    /// The latest sample, if any.
    var last: ProcessSnapshot? { samples.with { $0.last } }

    var all: [ProcessSnapshot] { samples.value }

    /// Stops the thread and returns every sample.
    func stop() -> [ProcessSnapshot] {
        stopFlag.with { $0 = true }
        _ = waitUntil(timeout: 2) { done.value }
        return samples.value
    }
}

extension ProcInfo {
    init(_ e: ProcessEntry) {
        self.init(pid: e.pid, ppid: e.ppid, state: String(e.state), startTime: e.startTime)
    }
}

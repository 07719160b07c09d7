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
        samples.withLock { $0.reserveCapacity(8192) }
        Thread.detachNewThread { [self] in
            // Paced from each scan's start: the gap between samples is
            // max(interval, scan time), not their sum, and never less than
            // the interval (no catch-up bursts of back-to-back samples).
            while !stopFlag.value {
                let next = monotonicNanos() + UInt64(interval * 1e9)
                let s = take()
                samples.withLock { $0.append(s) }
                let now = monotonicNanos()
                if next > now { Sys.sleep(Double(next - now) / 1e9) }
            }
            done.withLock { $0 = true }
        }
    }

    /// One sample now; when the master looks gone, one more scan: a hand-over
    /// can finish inside one scan (a 60 s upgrade-under-load run: the pid file
    /// read just before the new master renamed it, the old master exited 47 ms
    /// after its USR2, before its state was read), and a sample with no master
    /// ends supervision for every invariant. A real death is seen one scan later.
    func take() -> ProcessSnapshot {
        let first = scan()
        return first.masterAlive ? first : scan()
    }

    /// One /proc scan. Its time is taken AFTER the /proc scan: a process
    /// missing from the sample was certainly gone by then (a full scan can
    /// take 20 ms on a loaded machine; stamping the start made a retiring
    /// worker look dead before its last answers). This kernel has no
    /// /proc/PID/task/TID/children, hence the full scan.
    private func scan() -> ProcessSnapshot {
        let all = ProcFS.all()
        let scanned = monotonicNanos()
        let master = tracker.update(from: all, now: scanned).pid
        let masters = tracker.masterPids
        // Only the daemon's own escapees count: it runs in its own process
        // group, and other work in this process (parallel tests) may leave
        // unrelated orphans with the runner too.
        let group = tracker.group
        // The workers of every master generation still alive (an old one
        // drains while the new one serves), never a master itself, nor a new
        // master still booting in its own process group.
        let scannedKids = all.filter { masters.contains($0.ppid) && !masters.contains($0.pid) && $0.pgrp == group }
        let orphans = all.filter { $0.ppid == runner && !masters.contains($0.pid) && $0.pgrp == group }
            .map(ProcInfo.init)
        // The master is read again AFTER the scan, and every zombie of the
        // scan once more after that: no-zombies judges "the master was asleep
        // while this zombie existed", which needs master-read < zombie-read.
        // The scan alone reads in pid order, and pids wrap (pid_max 32768
        // here, and a build forks thousands): a worker with a lower pid than
        // its master was read first, the master reaped it and slept, and the
        // sample showed a zombie beside a sleeping master that had done
        // nothing wrong (the 60 s runs' no-zombies failures under load).
        let me = ProcFS.entry(master)
        let wchan = readWchan(master)
        let others = masters.count > 1 ? liveGenerations() : nil
        let kids = Self.confirmingZombies(scannedKids, reread: ProcFS.entry).map(ProcInfo.init)
        let now = monotonicNanos()
        let alive = me.map { !$0.isZombie } ?? false
        var snap = ProcessSnapshot(time: now, masterAlive: alive, children: alive ? kids : [],
                                   orphans: orphans, masterFDs: alive ? ProcFS.fdCount(master) : nil,
                                   masterRSSKB: alive ? ProcFS.rssKB(master) : nil)
        if masters.count > 1 { snap.masterPid = master; snap.masters = others }
        if alive {
            snap.masterState = me.map { String($0.state) }
            snap.masterWchan = wchan
        }
        return snap
    }

    /// State and wait channel of every master generation still alive (same
    /// pid and start time), read before the zombies are confirmed.
    private func liveGenerations() -> [MasterSample] {
        tracker.generations.filter { $0.goneAt == nil }.compactMap { g in
            guard let e = ProcFS.entry(g.pid), e.startTime == g.startTime, !e.isZombie else { return nil }
            return MasterSample(pid: g.pid, state: String(e.state), wchan: readWchan(g.pid))
        }
    }

    /// `kids` with each zombie replaced by a fresh read of the same process
    /// (same pid and start time), or dropped when it is gone by now (reaped).
    /// Live children are kept as scanned.
    static func confirmingZombies(_ kids: [ProcessEntry], reread: (Int32) -> ProcessEntry?) -> [ProcessEntry] {
        kids.compactMap { kid in
            guard kid.isZombie else { return kid }
            guard let now = reread(kid.pid), now.startTime == kid.startTime else { return nil }
            return now
        }
    }

    /// /proc/PID/wchan: the kernel function the process sleeps in ("0" when running).
    private func readWchan(_ pid: Int32) -> String? {
        guard let bytes = Sys.readSmallFile("/proc/\(pid)/wchan", limit: 64), !bytes.isEmpty else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The latest sample, if any.
    var last: ProcessSnapshot? { samples.withLock { $0.last } }

    var all: [ProcessSnapshot] { samples.value }

    /// Stops the thread and returns every sample.
    func stop() -> [ProcessSnapshot] {
        stopFlag.withLock { $0 = true }
        _ = waitUntil(timeout: 2) { done.value }
        return samples.value
    }
}

extension ProcInfo {
    init(_ e: ProcessEntry) {
        self.init(pid: e.pid, ppid: e.ppid, state: String(e.state), startTime: e.startTime)
    }
}

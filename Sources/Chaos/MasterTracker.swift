import Curl
import Foundation
import Glibc
import Harness

/// One master generation of the target: the first master, then each master
/// an upgrade started, from the moment the runner saw it take over.
public struct MasterGeneration: Codable, Sendable, Equatable {
    public var pid: Int32
    public var startTime: UInt64
    /// When the runner first saw it as the current master.
    public var since: UInt64
    /// When the runner saw it gone (exited, reaped), if it did.
    public var goneAt: UInt64?
    /// Its wait status, for masters the runner adopted and reaped itself.
    public var status: ExitStatus?

    public init(pid: Int32, startTime: UInt64, since: UInt64, goneAt: UInt64? = nil, status: ExitStatus? = nil) {
        self.pid = pid
        self.startTime = startTime
        self.since = since
        self.goneAt = goneAt
        self.status = status
    }
}

/// Follows the target's master across upgrades. After a hand-over the
/// process that serves is a new master (a child of the old one, re-parented
/// to the runner, a subreaper, when the old one exits). The current master
/// is the one the pid file names, where there is a pid file; else, for a
/// foreign server, a child of the current master (or, once it is gone, a
/// child of the runner) in the target's process group that has children of
/// its own: the process whose children serve. Updated by the sampler from
/// each /proc scan; read by the injector and the shutdown.
final class MasterTracker: Sendable {
    let first: MasterGeneration
    let pidFile: String?
    let runner: Int32
    /// The target's process group (the first master leads it; preforkd's new
    /// masters join it once ready, foreign ones inherit it).
    var group: Int32 { first.pid }
    private let state: Locked<[MasterGeneration]>

    init(pid: Int32, startTime: UInt64, pidFile: String?, now: UInt64 = monotonicNow()) {
        first = MasterGeneration(pid: pid, startTime: startTime, since: now)
        self.pidFile = pidFile
        runner = getpid()
        state = Locked([first])
    }

    /// The master in charge now.
    var current: MasterGeneration { state.withLock { $0.last! } }

    /// Every generation seen so far, oldest first.
    var generations: [MasterGeneration] { state.value }

    /// Pids of every master generation: never an orphan, never a worker.
    var masterPids: Set<Int32> { Set(state.value.map(\.pid)) }

    /// Takes a hand-over seen in `all` (one /proc scan) and reaps adopted
    /// old masters that have exited (by pid; the first one is the
    /// SpawnedProcess's to reap). Returns the current master.
    @discardableResult
    func update(from all: [ProcessEntry], now: UInt64) -> MasterGeneration {
        state.withLock { gens in
            let byPid = Dictionary(all.map { ($0.pid, $0) }, uniquingKeysWith: { a, _ in a })
            let cur = gens.last!
            if let next = successor(of: cur, known: Set(gens.map(\.pid)), byPid: byPid, all: all) {
                gens.append(MasterGeneration(pid: next.pid, startTime: next.startTime, since: now))
            }
            for i in gens.indices where gens[i].goneAt == nil {
                let e = byPid[gens[i].pid]
                let same = e.map { $0.startTime == gens[i].startTime } ?? false
                if !same || e!.isZombie {
                    if i > 0, same, let raw = try? Sys.reap(gens[i].pid) {
                        gens[i].status = TerminationStatus(waitStatus: raw)
                    }
                    gens[i].goneAt = now
                }
            }
            return gens.last!
        }
    }

    private func successor(of cur: MasterGeneration, known: Set<Int32>, byPid: [Int32: ProcessEntry],
                           all: [ProcessEntry]) -> ProcessEntry? {
        if let path = pidFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid != cur.pid,
                  let e = byPid[pid], !e.isZombie, e.pgrp == group else { return nil }
            return e
        }
        let curAlive = byPid[cur.pid].map { !$0.isZombie && $0.startTime == cur.startTime } ?? false
        let parent = curAlive ? cur.pid : runner
        let parents = Set(all.filter { !$0.isZombie }.map(\.ppid))
        return all.first { $0.ppid == parent && $0.pid != cur.pid && !$0.isZombie && $0.pgrp == group
            && parents.contains($0.pid) && !known.contains($0.pid) }
    }
}

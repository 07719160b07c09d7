import Curl
import Foundation
import Glibc
import Harness

/// How the runner makes planned changes to this target.
struct PlannedChangeSettings: Sendable {
    /// nil: the target has no re-exec upgrade the runner knows (skipped with the reason).
    var upgradeSignal: Int32?
    /// Sent to the old master once the new one has its workers (unicorn, nginx: QUIT; gunicorn: TERM).
    var upgradeFinish: Int32?
    /// nil: no in-place reload (preforkd: HUP stops it).
    var reloadSignal: Int32?
    var scaleDownSignal: Int32 = SIGTTOU
    var scaleUpSignal: Int32 = SIGTTIN
    var workers: Int
    /// New generation serving with N workers, old one gone: graceful timeout + slack.
    var handoverDeadline: Double
    /// preforkd's --upgrade-timeout: a never-ready build is rolled back after it.
    var upgradeTimeout: Double
    /// The swappable started path, for bad-upgrade; nil: why not.
    var binary: TargetBinary?
    var isPreforkd: Bool
}

/// The injector's hand-over turn: one at a time, and a gap between them.
struct HandoverTurn: Sendable {
    var busy = false
    /// When the last hand-over ended (0: none yet).
    var lastEnded: UInt64 = 0
    /// Seconds from one hand-over's end to the next one's signal: time for
    /// the new generation to settle. Short enough for 21 upgrades in a 60 s
    /// upgrade-under-load run (preforkd's hand-overs: p50 77-103 ms, max
    /// 432 ms there; unicorn's USR2 + QUIT: p50 1.45 s).
    static let gap = 1.5
}

/// Planned changes: an operator's upgrade, reload and scaling, each
/// recorded with its window (time .. endedAt) for zero-loss-planned.
extension FaultInjector {
    func plannedChange(_ plan: PlannedFault, _ e: inout FaultEvent) {
        switch plan.kind {
        case .scaleDown: scale(planned.scaleDownSignal, then: planned.scaleUpSignal, &e)
        case .scaleUp: scale(planned.scaleUpSignal, then: planned.scaleDownSignal, &e)
        case .upgrade: exclusive(&e) { self.upgrade(&$0) }
        case .badUpgrade: exclusive(&e) { self.badUpgrade(plan, &$0) }
        case .reload: exclusive(&e) { self.reload(&$0) }
        default: break
        }
        if e.endedAt == nil { e.endedAt = monotonicNow() }
    }

    /// One hand-over at a time: a master ignores an upgrade during one
    /// (preforkd logs upgrade_ignored), so a second is skipped, and said so.
    /// And a quiet gap after each (`HandoverTurn.gap`): the next one waits
    /// for it, so it never starts while the last one's old generation is
    /// still being reaped; its window starts at its own signal.
    private func exclusive(_ e: inout FaultEvent, _ body: (inout FaultEvent) -> Void) {
        let wait = handover.withLock { turn -> UInt64? in
            if turn.busy { return nil }
            turn.busy = true
            let now = monotonicNow(), free = turn.lastEnded + ns(HandoverTurn.gap)
            return free > now ? free - now : 0
        }
        guard let wait else { skip(&e, "the previous hand-over is still under way"); return }
        defer { handover.withLock { $0 = HandoverTurn(busy: false, lastEnded: monotonicNow()) } }
        if wait > 0 {
            sleep(until: monotonicNow() + wait)
            e.time = monotonicNow()
        }
        body(&e)
    }

    private func skip(_ e: inout FaultEvent, _ why: String) {
        e.applied = false
        e.detail = FaultEvent.skippedPrefix + why
    }

    /// Signals the current master; false (and the event says so) when it is gone.
    private func signalMaster(_ signo: Int32, _ m: MasterGeneration, _ e: inout FaultEvent) -> Bool {
        guard SafeSignal.send(signo, to: m.pid, expectedStartTime: m.startTime) else {
            skip(&e, "master pid \(m.pid) gone before signal \(signo)")
            return false
        }
        return true
    }

    private func scale(_ first: Int32, then second: Int32, _ e: inout FaultEvent) {
        let m = tracker.current
        e.victimPid = m.pid
        guard signalMaster(first, m, &e) else { return }
        Sys.sleep(1.0)
        let back = SafeSignal.send(second, to: m.pid, expectedStartTime: m.startTime)
        e.detail = "signal \(first), 1 s later signal \(second)" + (back ? "" : " (master gone)")
    }

    /// Live workers of `pid` (its live children in the target's group).
    private func workers(of pid: Int32) -> [ProcessEntry] {
        ProcFS.children(of: pid).filter { !$0.isZombie && $0.pgrp == tracker.group }
    }

    private func generationGone(_ pid: Int32) -> Bool {
        tracker.generations.first { $0.pid == pid }?.goneAt != nil
    }

    private func upgrade(_ e: inout FaultEvent) {
        guard let signo = planned.upgradeSignal else { skip(&e, "no --upgrade-signal for this server"); return }
        let old = tracker.current
        e.victimPid = old.pid
        guard signalMaster(signo, old, &e) else { return }
        var next: Int32?
        let ready = waitUntil(timeout: planned.handoverDeadline, interval: 0.005) {
            let c = tracker.current
            guard c.pid != old.pid else { return false }
            next = c.pid
            return workers(of: c.pid).count >= planned.workers
        }
        e.newMasterPid = next
        guard ready, let new = next else {
            e.applied = false
            e.detail = "no new master serving with \(planned.workers) workers within \(fmt(planned.handoverDeadline, 1)) s"
                + (next.map { " (new master pid \($0))" } ?? "")
            return
        }
        e.readyAt = monotonicNow()
        if let finish = planned.upgradeFinish { _ = SafeSignal.send(finish, to: old.pid, expectedStartTime: old.startTime) }
        let gone = waitUntil(timeout: planned.handoverDeadline, interval: 0.005) { generationGone(old.pid) }
        e.endedAt = monotonicNow()
        let readyMs = Int(Double(e.readyAt! - e.time) / 1e6), goneMs = Int(Double(e.endedAt! - e.time) / 1e6)
        e.detail = "signal \(signo): new master pid \(new) serving after \(readyMs) ms; old master pid \(old.pid) "
            + (gone ? "gone after \(goneMs) ms" : "still there after \(goneMs) ms")
    }

    /// Swaps the started build for one that exits 1 or never gets ready,
    /// sends the upgrade signal, waits for the rollback (the failed build's
    /// processes gone, the old master still current), restores the build.
    private func badUpgrade(_ plan: PlannedFault, _ e: inout FaultEvent) {
        guard let bin = planned.binary, let signo = planned.upgradeSignal else {
            skip(&e, "needs preforkd started from a copy the runner can swap"); return
        }
        // Alternating, the first one never ready: a run with one bad upgrade tests the timeout rollback.
        let neverReady = badUpgrades.withLock { n -> Bool in n += 1; return n % 2 == 1 }
        let old = tracker.current
        e.victimPid = old.pid
        do { try bin.replace(withScript: neverReady ? "exec sleep 600" : "exit 1") } catch {
            skip(&e, "cannot swap the build: \(error)"); return
        }
        defer {
            if let err = (Result { try bin.restore() }).failure { e.detail += "; restore failed: \(err)" }
        }
        guard signalMaster(signo, old, &e) else { return }
        Sys.sleep(0.1)   // the fork happens at once; the broken build starts in its own group
        let failedBuild = { ProcFS.children(of: old.pid).filter { $0.pgrp != self.tracker.group && !$0.isZombie } }
        let settled = waitUntil(timeout: planned.upgradeTimeout + 2, interval: 0.01) { failedBuild().isEmpty }
        e.endedAt = monotonicNow()
        let left = failedBuild()
        e.leftovers = left.map(\.pid)
        // Not rolled back: the runner removes the failed build (its own process group) so the run can go on.
        for p in left { _ = SafeSignal.send(SIGKILL, to: p.pid, expectedStartTime: p.startTime) }
        let kept = tracker.current.pid == old.pid && !generationGone(old.pid)
        e.detail = (neverReady ? "never-ready build" : "build exiting 1") + ", signal \(signo): "
            + (settled ? "failed build gone after \(Int(Double(e.endedAt! - e.time) / 1e6)) ms" : "failed build still running")
            + (kept ? ", old master pid \(old.pid) kept" : ", master changed to pid \(tracker.current.pid)")
    }

    /// In-place reload: the master stays; done when every worker it had is replaced (or the deadline).
    private func reload(_ e: inout FaultEvent) {
        guard let signo = planned.reloadSignal else {
            skip(&e, planned.isPreforkd ? "preforkd has no in-place reload (HUP stops it); upgrade is its reload"
                                        : "no --reload-signal for this server")
            return
        }
        let m = tracker.current
        e.victimPid = m.pid
        let before = Set(workers(of: m.pid).map(\.pid))
        guard signalMaster(signo, m, &e) else { return }
        let done = waitUntil(timeout: planned.handoverDeadline, interval: 0.01) {
            let now = workers(of: m.pid)
            return now.count >= planned.workers && before.isDisjoint(with: now.map(\.pid))
        }
        e.endedAt = monotonicNow()
        if done { e.readyAt = e.endedAt }
        e.detail = "signal \(signo): " + (done ? "every worker replaced after \(Int(Double(e.endedAt! - e.time) / 1e6)) ms"
                                              : "old workers still serving at the deadline")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

import Foundation
import Curl
import Glibc
import Harness

/// Performs planned faults against a running target. Victims are chosen by
/// index into the master's live children sorted by (start time, pid), read
/// from /proc at the moment of the fault; signals go through SafeSignal so a
/// recycled pid is never hit. Faults that last (hang, slowloris, boot-fail)
/// finish on their own threads and complete their event later.
final class FaultInjector: Sendable {
    /// The current master, followed across upgrades.
    let tracker: MasterTracker
    var master: Int32 { tracker.current.pid }
    var masterStart: UInt64 { tracker.current.startTime }
    /// How planned changes are made to this target.
    let planned: PlannedChangeSettings
    /// Whether a hand-over (upgrade, bad upgrade, reload) is under way and when the last one ended.
    let handover = Locked(HandoverTurn())
    /// bad-upgrades so far: they alternate never-ready and exit 1.
    let badUpgrades = Locked(0)
    let baseURL: String
    let port: Int
    let hangTimeout: Double
    /// The log FIFOs log-stall stops reading; nil when the target has none.
    let logs: LogPipes?
    /// The access log's tmpfs log-full fills, or why there is none.
    let logDisk: (disk: LogDisk?, reason: String?)
    let faults = Locked<[FaultEvent]>([])
    let requests = Locked<[RequestEvent]>([])
    private let pending = Locked(0)
    /// Environment faults still lasting: the shutdown waits for them.
    private let environmentPending = Locked(0)

    init(tracker: MasterTracker, planned: PlannedChangeSettings, baseURL: String, port: Int, hangTimeout: Double,
         logs: LogPipes? = nil, logDisk: (disk: LogDisk?, reason: String?) = (nil, nil)) {
        self.tracker = tracker
        self.planned = planned
        self.baseURL = baseURL
        self.port = port
        self.hangTimeout = hangTimeout
        self.logs = logs
        self.logDisk = logDisk
    }

    /// Injects `plan` now, as fault number `index`.
    func inject(_ plan: PlannedFault, index: Int) {
        var e = FaultEvent(index: index, kind: plan.kind, time: monotonicNow())
        switch plan.kind {
        case .kill: signalVictim(SIGKILL, plan, &e)
        case .stop: signalVictim(SIGSTOP, plan, &e)
        case .masterKill:
            e.victimPid = master
            e.applied = SafeSignal.send(SIGKILL, to: master, expectedStartTime: masterStart)
        case .crash:
            let r = record(HTTPProbe.get(baseURL, "/__fault/crash", timeout: 5, source: .fault))
            e.curlCode = r.curlCode
            e.status = r.status
            e.endedAt = r.end
            e.applied = r.status != 404
            e.detail = r.curlCode == 0 ? "answered \(r.status)" : "connection ended, curl \(r.curlCode)"
        case .signalStorm: storm(plan, &e)
        case .hang, .slowloris, .bootFail, .malformed, .groupFreeze, .masterStop, .logStall, .slowlorisFlood,
             .fdLimit, .logFull, .cpuThrottle, .toxicClients, .upgrade, .badUpgrade, .reload, .scaleDown, .scaleUp:
            e.detail = "in progress"
        }
        let slot = faults.withLock { $0.append(e); return $0.count - 1 }
        switch plan.kind {
        case .hang: background(slot) { self.hang(&$0) }
        case .slowloris: background(slot) { self.slowloris(plan, &$0) }
        case .bootFail: background(slot) { self.bootFail(plan, &$0) }
        case .malformed: background(slot) { self.malformed(plan, &$0) }
        case .upgrade, .badUpgrade, .reload, .scaleDown, .scaleUp: background(slot) { self.plannedChange(plan, &$0) }
        case .groupFreeze, .masterStop, .logStall, .slowlorisFlood, .fdLimit, .logFull, .cpuThrottle, .toxicClients:
            environmentPending.withLock { $0 += 1 }
            background(slot) {
                self.environment(plan, &$0)
                self.environmentPending.withLock { $0 -= 1 }
            }
        default: break
        }
    }

    /// Waits for background faults to finish (bounded).
    func drain(timeout: Double) { _ = waitUntil(timeout: timeout) { pending.value == 0 } }

    /// Waits for a hand-over under way to end (bounded): the stop goes to the master that serves.
    func awaitHandover(timeout: Double) { _ = waitUntil(timeout: timeout) { !handover.value.busy } }

    /// Waits for lasting environment faults to end and undo themselves (bounded).
    func awaitEnvironment(timeout: Double) { _ = waitUntil(timeout: timeout) { environmentPending.value == 0 } }

    // MARK: - Helpers

    func record(_ r: RequestEvent) -> RequestEvent {
        requests.withLock { $0.append(r) }
        return r
    }

    private func background(_ slot: Int, _ body: @escaping @Sendable (inout FaultEvent) -> Void) {
        pending.withLock { $0 += 1 }
        Thread.detachNewThread { [self] in
            var e = faults.withLock { $0[slot] }
            body(&e)
            faults.withLock { $0[slot] = e }
            pending.withLock { $0 -= 1 }
        }
    }

    /// The current master's live workers, sorted by (start time, pid): the victim list.
    func victims() -> [ProcessEntry] {
        // Workers only: not a new master of an upgrade in progress, whether still
        // booting in its own process group or already in ours with workers of
        // its own (a 60 s run SIGKILLed one there, between its pid file write
        // and the tracker's next sample, and lost every generation).
        ProcFS.children(of: master).filter { c in
            !c.isZombie && c.state != "T" && c.pgrp == tracker.group && ProcFS.children(of: c.pid).isEmpty
        }
            .sorted { ($0.startTime, $0.pid) < ($1.startTime, $1.pid) }
    }

    private func signalVictim(_ signo: Int32, _ plan: PlannedFault, _ e: inout FaultEvent) {
        let v = victims()
        guard !v.isEmpty else { e.applied = false; e.detail = "no live worker"; return }
        let i = Int(plan.victimIndex % UInt32(v.count))
        e.victimSlot = i
        e.victimPid = v[i].pid
        e.applied = SafeSignal.send(signo, to: v[i].pid, expectedStartTime: v[i].startTime)
        e.detail = e.applied ? "signal \(signo)" : "victim gone before the signal"
    }

    /// Balanced TTIN / USR1 / TTOU bursts with gaps, so the master sees each
    /// signal (equal pending signals coalesce) and N is unchanged afterwards.
    private func storm(_ plan: PlannedFault, _ e: inout FaultEvent) {
        let rounds = 1 + Int(plan.param % 3)
        var sent = 0
        for _ in 0..<rounds {
            for s in [SIGTTIN, SIGUSR1, SIGTTOU] {
                if SafeSignal.send(s, to: master, expectedStartTime: masterStart) { sent += 1 }
                Sys.sleep(0.04)
            }
        }
        e.applied = sent > 0
        e.detail = "\(rounds) x TTIN/USR1/TTOU"
        e.endedAt = monotonicNow()
    }

    private func hang(_ e: inout FaultEvent) {
        let r = record(HTTPProbe.get(baseURL, "/__fault/hang", timeout: hangTimeout, source: .fault))
        e.endedAt = r.end
        e.curlCode = r.curlCode
        e.status = r.status
        e.applied = r.status != 404
        e.detail = r.curlCode == 0 ? "answered \(r.status)" : "connection ended, curl \(r.curlCode)"
    }

    private func bootFail(_ plan: PlannedFault, _ e: inout FaultEvent) {
        let on = record(HTTPProbe.get(baseURL, "/__fault/boot-fail?on=1", timeout: 5, source: .fault))
        guard on.status == 200 else { e.applied = false; e.detail = "boot-fail endpoint: \(on.status)"; return }
        var k = FaultEvent(index: e.index, kind: .kill, time: monotonicNow())
        signalVictim(SIGKILL, plan, &k)
        Sys.sleep(1.5)
        let off = record(HTTPProbe.get(baseURL, "/__fault/boot-fail?on=0", timeout: 5, source: .fault))
        e.endedAt = off.end
        e.victimPid = k.victimPid
        e.detail = "boot-fail on 1.5 s, killed pid \(k.victimPid ?? 0); off: \(off.status)"
    }
}

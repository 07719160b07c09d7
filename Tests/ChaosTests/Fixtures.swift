@testable import Chaos

/// Builds synthetic histories: N=3 workers, 10 ms samples, a steady load.
/// Times are ns; t(ms) converts.
func t(_ ms: Double) -> UInt64 { UInt64(ms * 1_000_000) + 1_000_000_000 }

let master: Int32 = 100

func worker(_ pid: Int32, _ state: String = "S") -> ProcInfo {
    ProcInfo(pid: pid, ppid: master, state: state, startTime: UInt64(pid))
}

struct HistoryBuilder {
    var history: History

    /// A 2-second clean run: workers 11,12,13; 13 is SIGKILLed at 500 ms and
    /// replaced by 14 at 540 ms; served counts gapless; clean TERM at 2000 ms.
    static func clean() -> HistoryBuilder {
        var info = RunInfo(startTime: t(0), endTime: t(2600), masterPid: master, workers: 3, lifetime: 100,
                           timeout: 1, gracefulTimeout: 2, port: 9999)
        info.limits.respawnDeadline = 0.5
        var b = HistoryBuilder(history: History(info: info))
        for ms in stride(from: 0.0, through: 2590, by: 10) {
            var kids = [worker(11), worker(12)]
            if ms < 500 { kids.append(worker(13)) } else if ms == 500 { kids.append(worker(13, "Z")) }
            if ms >= 540 { kids.append(worker(14)) }
            let alive = ms < 2200
            b.history.samples.append(ProcessSnapshot(time: t(ms), masterAlive: alive, children: alive ? kids : [],
                                                     masterFDs: 12, masterRSSKB: 4000))
        }
        var served: [Int32: Int] = [:]
        for i in 0..<180 {
            let ms = Double(i) * 10
            var pid: Int32 = [11, 12, 13][i % 3]
            if pid == 13 && ms >= 490 { pid = 14 }
            served[pid, default: 0] += 1
            b.history.requests.append(RequestEvent(start: t(ms), end: t(ms + 3), status: 200, workerPid: pid,
                                                   served: served[pid]))
        }
        // The request in flight on 13 when it was killed.
        b.history.requests.append(RequestEvent(start: t(498), end: t(500.5), status: 0, curlCode: 52))
        b.history.faults.append(FaultEvent(index: 0, kind: .kill, time: t(500), victimSlot: 2, victimPid: 13))
        b.history.faults.append(FaultEvent(index: 1, kind: .stop, time: t(1000), victimSlot: 0, victimPid: 11))
        b.history.shutdown = ShutdownRecord(
            signal: "TERM", sentAt: t(2000), masterStatus: .exited(0), exitedAt: t(2200),
            probes: [RequestEvent(start: t(1950), end: t(2150), status: 200, workerPid: 12, served: 61,
                                  path: "/__fault/sleep?ms=200", source: .probe)],
            portRefused: true, pidFileRemains: false)
        // Stopped worker 11 is killed by the master at 1900 ms (timeout 1 s) and replaced by 15.
        for i in b.history.samples.indices where b.history.samples[i].masterAlive {
            let ms = Double(b.history.samples[i].time - t(0)) / 1e6
            if ms >= 1000 && ms < 1900 {
                b.history.samples[i].children = b.history.samples[i].children.map { $0.pid == 11 ? worker(11, "T") : $0 }
            } else if ms >= 1900 {
                b.history.samples[i].children.removeAll { $0.pid == 11 }
                b.history.samples[i].children.append(worker(15))
            }
        }
        b.history.requests.removeAll { r in r.workerPid == 11 && r.start > t(1000) }
        return b
    }

    func verdict(_ inv: some Invariant) -> Verdict { inv.check(history) }
}

extension HistoryBuilder {
    /// The clean run plus environment faults the daemon weathered: master
    /// stopped 100..400 ms, all workers at their descriptor limit 200..1000 ms
    /// (pid 12's CPU sampled: 6% of a core, asleep), log pipes unread
    /// 1300..1600 ms; a fresh liveness probe every 100 ms answered in 5 ms.
    static func hostile() -> HistoryBuilder {
        var b = clean()
        b.history.info.limits.env.recoveryDeadline = 0.3
        b.history.faults += [
            FaultEvent(index: 2, kind: .masterStop, time: t(100), endedAt: t(400), victimPid: master),
            FaultEvent(index: 3, kind: .fdLimit, time: t(200), endedAt: t(1000), victimPid: 12,
                       cpu: [CPUSample(time: t(200), seconds: 1.0, pid: 12), CPUSample(time: t(1000), seconds: 1.05, pid: 12)]),
            FaultEvent(index: 4, kind: .logStall, time: t(1300), endedAt: t(1600)),
        ]
        for ms in stride(from: 0.0, through: 1900, by: 100) {
            b.history.requests.append(RequestEvent(start: t(ms), end: t(ms + 5), status: 200, source: .liveness))
        }
        return b
    }

    /// Replaces worker 12 by 16 at `ms`: 12 dies having answered fewer than its lifetime.
    mutating func killWorker12(at ms: Double) {
        for i in history.samples.indices where history.samples[i].masterAlive && history.samples[i].time >= t(ms) {
            history.samples[i].children.removeAll { $0.pid == 12 }
            history.samples[i].children.append(worker(16))
        }
    }
}

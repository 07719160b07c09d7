import Curl
import Glibc
import Harness

/// fd-limit: every live worker's RLIMIT_NOFILE is lowered (prlimit(2)) so
/// that it cannot allocate a descriptor and accept4 fails with EMFILE,
/// while fresh connections keep queueing on the shared socket (a request
/// every 20 ms plus the liveness probes). One worker alone would not do:
/// the others drain the queue at once and the limited one is woken only
/// for an instant. Replacement workers start with the master's limit, as
/// after a real exhaustion. The workers' CPU time is sampled from /proc
/// meanwhile for no-busy-spin; the old limits are restored at the end.
extension FaultInjector {
    /// One limited worker and the limit it had.
    private struct Limited {
        var pid: Int32
        var startTime: UInt64
        var soft: UInt64
        var hard: UInt64
    }

    /// The lowered soft limit: descriptor numbers from 3 up cannot be
    /// allocated, so no accept4 succeeds even after held connections close
    /// (a limit of "the open count" would let closed numbers be reused).
    /// Descriptors already open stay usable: held connections are still served.
    static let exhaustedLimit: Int64 = 3

    /// Extra listings when every worker listed had gone by its prlimit.
    static let listAttempts = 5

    /// Lowers the limit of every worker listed now; the limited ones, and why the others were not.
    private func limitLiveWorkers() -> ([Limited], [String]) {
        var limited: [Limited] = []
        var refused: [String] = []
        for v in victims() {
            do {
                let old = try Sys.descriptorLimit(of: v.pid)
                try Sys.descriptorLimit(of: v.pid, setting: (UInt64(Self.exhaustedLimit), old.hard))
                limited.append(Limited(pid: v.pid, startTime: v.startTime, soft: old.soft, hard: old.hard))
            } catch {
                // ESRCH: retired meanwhile; EPERM: another uid without CAP_SYS_RESOURCE over it.
                refused.append("pid \(v.pid): \(String(cString: strerror(error.errno)))")
            }
        }
        return (limited, refused)
    }

    func fdLimit(_ plan: PlannedFault, _ length: Double, _ e: inout FaultEvent) {
        var (limited, refused) = limitLiveWorkers()
        for _ in 0..<Self.listAttempts where limited.isEmpty && !refused.isEmpty {
            // Every listed worker was gone by its prlimit (kills and retirements
            // under load: both pids ESRCH in a CI-like run): list again.
            Sys.sleep(0.02)
            (limited, refused) = limitLiveWorkers()
        }
        guard !limited.isEmpty else {
            e.applied = false
            e.detail = "no worker limited (prlimit " + (refused.isEmpty ? "found no live worker" : refused.prefix(3).joined(separator: ", ")) + ")"
            return
        }
        e.time = monotonicNow()
        e.victimPid = limited[0].pid
        var cpu: [CPUSample] = []
        func sampleCPU() {
            for l in limited {
                if let s = ProcFS.cpuSeconds(l.pid) { cpu.append(CPUSample(time: monotonicNow(), seconds: s, pid: l.pid)) }
            }
        }
        sampleCPU()
        var queue = QueuedRequests(port: port)
        let end = e.time + ns(length)
        var nextSample = monotonicNow() + 100_000_000
        while monotonicNow() < end {
            queue.add()
            queue.collect(self)
            if monotonicNow() >= nextSample { sampleCPU(); nextSample += 100_000_000 }
            Sys.sleep(0.02)
        }
        sampleCPU()
        var restored = 0
        for l in limited where ProcFS.entry(l.pid)?.startTime == l.startTime {
            // Only if the pid still names the worker we limited (it may have retired).
            // A worker gone meanwhile (ESRCH) is not restored: its replacement has the master's limit.
            if (try? Sys.descriptorLimit(of: l.pid, setting: (l.soft, l.hard))) != nil { restored += 1 }
        }
        e.endedAt = monotonicNow()
        e.cpu = cpu
        // Restored or replaced workers take the queue now; a request given up
        // unanswered would still use a served count the lifetime check misses.
        let drainBy = monotonicNow() + 3_000_000_000
        while !queue.pending.isEmpty && monotonicNow() < drainBy { queue.collect(self); Sys.sleep(0.01) }
        let sent = queue.sent, answered = queue.answered
        queue.pending.forEach { $0.connection.close() }
        e.detail = "RLIMIT_NOFILE of \(limited.count) worker(s) lowered to \(Self.exhaustedLimit) for \(fmt(length, 1)) s; "
            + "\(answered)/\(sent) queued requests answered; \(restored) restored, the rest gone"
    }

}

/// The fd-limit fault's fresh requests: each sent at once on its own
/// connection, collected without blocking as they are answered (they wait
/// in the backlog while no worker can accept). Answered ones are recorded:
/// their X-Worker-Served counts belong to the lifetime contract.
struct QueuedRequests {
    final class Pending {
        let connection: RawConnection
        let start: UInt64
        var received: [UInt8] = []
        init(connection: RawConnection, start: UInt64) {
            self.connection = connection
            self.start = start
        }
    }
    let port: Int
    var pending: [Pending] = []
    var sent = 0
    var answered = 0

    init(port: Int) { self.port = port }

    mutating func add() {
        guard let c = try? RawConnection(port: port, timeout: 1) else { return }
        let start = monotonicNow()
        guard (try? c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) != nil else { return }
        sent += 1
        pending.append(Pending(connection: c, start: start))
    }

    /// Reads what arrived; a complete head is recorded, a closed connection dropped.
    mutating func collect(_ injector: FaultInjector) {
        pending.removeAll { p in
            let ended: Bool
            switch p.connection.receiveNow() {
            case .timeout: return false   // nothing yet: still queued
            case .bytes(let bytes): p.received += bytes; ended = false
            case .eof, .reset: ended = true
            }
            let headDone = p.received.lastRange(of: [13, 10, 13, 10]) != nil
            guard headDone || ended else { return false }
            if let h = RawResponseHead(p.received) {
                answered += 1
                _ = injector.record(RequestEvent(start: p.start, end: monotonicNow(), status: h.status,
                                                 workerPid: h.workerPid, served: h.served, path: "(fd-limit queue)",
                                                 source: .fault))
            }
            p.connection.close()
            return true
        }
    }
}

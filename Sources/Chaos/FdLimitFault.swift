import CShims
import Curl
import Glibc
import Harness

/// fd-limit: a worker's RLIMIT_NOFILE is lowered (prlimit(2)) to the number
/// of descriptors it has open, so its next accept4 fails with EMFILE, while
/// fresh connections keep queueing on the shared socket. Its CPU time is
/// sampled from /proc meanwhile for no-busy-spin; the old limit is restored
/// at the end.
extension FaultInjector {
    func fdLimit(_ plan: PlannedFault, _ length: Double, _ e: inout FaultEvent) {
        let v = victims()
        guard !v.isEmpty else { e.applied = false; e.detail = "no live worker"; return }
        let i = Int(plan.victimIndex % UInt32(v.count))
        let victim = v[i]
        e.victimSlot = i
        e.victimPid = victim.pid
        var oldSoft: UInt64 = 0, oldHard: UInt64 = 0, ignored: UInt64 = 0, ignored2: UInt64 = 0
        guard let open = ProcFS.fdCount(victim.pid),
              cshim_prlimit_nofile(victim.pid, -1, -1, &oldSoft, &oldHard) == 0 else {
            e.applied = false
            e.detail = "victim gone before prlimit"
            return
        }
        guard cshim_prlimit_nofile(victim.pid, Int64(open), Int64(bitPattern: oldHard), &ignored, &ignored2) == 0 else {
            e.applied = false
            e.detail = "prlimit(\(victim.pid)): \(String(cString: strerror(errno)))"
            return
        }
        e.time = monotonicNow()
        var cpu: [CPUSample] = []
        func sampleCPU() {
            if let s = ProcFS.cpuSeconds(victim.pid) { cpu.append(CPUSample(time: monotonicNow(), seconds: s)) }
        }
        sampleCPU()
        var sent = 0, answered = 0
        let end = e.time + ns(length)
        var nextSample = monotonicNow() + 100_000_000
        while monotonicNow() < end {
            sent += 1
            if queueOneRequest() { answered += 1 }
            if monotonicNow() >= nextSample { sampleCPU(); nextSample += 100_000_000 }
            usleep(20_000)
        }
        sampleCPU()
        // Restore only if the pid still names the victim (it may have retired).
        let same = ProcFS.entry(victim.pid)?.startTime == victim.startTime
        let restored = same && cshim_prlimit_nofile(victim.pid, Int64(bitPattern: oldSoft), Int64(bitPattern: oldHard),
                                                    &ignored, &ignored2) == 0
        e.endedAt = monotonicNow()
        e.cpu = cpu
        e.detail = "RLIMIT_NOFILE \(oldSoft) -> \(open) for \(fmt(length, 1)) s; "
            + "\(answered)/\(sent) queued requests answered; " + (restored ? "restored" : "victim gone")
    }

    /// One fresh raw GET with Connection: close; answered ones are recorded
    /// (their X-Worker-Served counts belong to the lifetime contract).
    private func queueOneRequest() -> Bool {
        guard let c = try? RawConnection(port: port, timeout: 1) else { return false }
        defer { c.close() }
        let start = monotonicNow()
        guard (try? c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) != nil,
              let h = RawResponseHead(c.readHead()) else { return false }
        _ = record(RequestEvent(start: start, end: monotonicNow(), status: h.status, workerPid: h.workerPid,
                                served: h.served, path: "(fd-limit queue)", source: .fault))
        return true
    }
}

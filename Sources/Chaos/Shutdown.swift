import Foundation
import Curl
import Glibc
import Harness

/// The end of a run: the shutdown signal with requests in flight, followed
/// to the master's exit and beyond (survivors, port, pid file).
extension ChaosRunner {
    /// Sends the shutdown signal while slow probe requests are in the server.
    /// After upgrades the signal goes to the current master (an adopted
    /// child of the runner, reaped here by pid), and old generations must be gone.
    func stop(_ t: Target, tracker: MasterTracker, load: LoadRunner) -> ShutdownRecord {
        let name = config.shutdownSignal(seed: seed)
        let probes = Locked<[RequestEvent]>([])
        // In-flight requests the stop must finish: at most workers - 1 of
        // them, so one worker stays free. A worker that retires (lifetime)
        // holds its slot until its slowest request ends, so with a probe on
        // every worker and a short lifetime all of them retired behind
        // their probe within the 200 ms below, nothing accepted, and the
        // stop reset the queue (8 requests lost in ChaosRunTests: 3 probes,
        // 3 workers, lifetime 100). That is a real limit (chaos/README,
        // "Known limits"); the tool should not be the one that causes it.
        let probeCount = config.isPreforkd && name != "QUIT" ? min(3, max(1, config.workers - 1)) : 0
        for _ in 0..<probeCount {
            Thread.detachNewThread {
                let r = HTTPProbe.get(t.baseURL, "/__fault/sleep?ms=600", timeout: 10, source: .probe)
                probes.withLock { $0.append(r) }
            }
        }
        if probeCount > 0 { Sys.sleep(0.2) }   // let the probes reach workers
        let sentAt = monotonicNow()
        let m = tracker.current
        let liveMasters = tracker.generations.filter { $0.goneAt == nil }.map(\.pid)
        let pidFileMaster = t.pidFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        _ = SafeSignal.send(ShutdownSignal.numbers[name]!, to: m.pid, expectedStartTime: m.startTime)
        let limit = config.gracefulTimeout + config.limits.shutdownSlack + 2
        var status: ExitStatus?
        if m.pid == t.master {
            status = t.process.wait(timeout: limit)
        } else {
            // Ours to reap by pid, unless the sampler's tracker reaped it first (then it holds the status).
            _ = waitUntil(timeout: limit, interval: 0.002) {
                if let raw = try? Sys.reap(m.pid) { status = TerminationStatus(waitStatus: raw) }
                status = status ?? tracker.generations.first { $0.pid == m.pid }?.status
                return status != nil
            }
        }
        let exitedAt = status == nil ? nil : monotonicNow()
        load.stop()   // after the exit every request is refused; they tell nothing more
        _ = waitUntil(timeout: 5) { probes.value.count == probeCount }
        var record = ShutdownRecord(signal: name, sentAt: sentAt, masterStatus: status,
                                    exitedAt: exitedAt, probes: probes.value)
        record.liveMasters = liveMasters
        record.pidFileMaster = pidFileMaster
        Sys.sleep(config.limits.orphanDeadline)
        record.survivors = Subreaper.orphans(excluding: [t.master], matching: t.owns).filter { !$0.isZombie }.map(ProcInfo.init)
        Subreaper.reapOrphans(excluding: [t.master], matching: t.owns)   // exited old generations
        record.portRefused = Ports.refuses(port: t.port)
        record.pidFileRemains = t.pidFile.map { FileManager.default.fileExists(atPath: $0) }
        return record
    }

    /// After a master-kill: watch its workers go, then reap the master.
    func watchMasterDeath(_ t: Target, load: LoadRunner) -> ShutdownRecord? {
        _ = t.process.wait(timeout: 2)
        load.stop()
        Sys.sleep(config.limits.orphanDeadline + 0.3)
        Subreaper.reapOrphans(excluding: [t.master], matching: t.owns)
        return nil
    }
}

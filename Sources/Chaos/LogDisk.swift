import Curl
import Foundation
import Glibc
import Harness

/// A small disk for the access log (log-full): a 1 MiB tmpfs the runner
/// mounts at `/tmp/chaos-tmpfs-<runner pid>-<ns>`. A shipper thread empties
/// the access log every 20 ms (logrotate's copytruncate; at 40k req/s the
/// log grows ~80 KB meanwhile), except while `fill()` holds the disk full
/// with a filler file (ENOSPC, as on a full disk); `drain()` frees it.
/// `close()` unmounts and removes the mount point; mounts of runners no
/// longer alive are removed at the next start.
final class LogDisk: Sendable {
    let directory: String
    static let prefix = "chaos-tmpfs-"
    private let full = Locked(false)
    private let stopFlag = Locked(false)
    private let finished = Locked(false)

    private init(directory: String) {
        self.directory = directory
        Thread.detachNewThread { [self] in
            while !stopFlag.value {
                if !full.value { Self.empty(accessLogPath) }
                Sys.sleep(0.02)
            }
            finished.withLock { $0 = true }
        }
    }

    /// Mounts the tmpfs; a setup error names the call and errno (not root, no tmpfs).
    static func create() throws -> LogDisk {
        removeStale()
        let dir = NSTemporaryDirectory() + prefix + "\(getpid())-\(monotonicNanos())"
        do { try Sys.makeDirectory(dir) } catch { throw ChaosSetupError("\(error)") }
        do { try Sys.mount("tmpfs", on: dir, type: "tmpfs", options: "size=1m,mode=0700") } catch {
            try? Sys.removeDirectory(dir)   // empty and ours
            throw ChaosSetupError("\(error) (log-full needs root)")
        }
        return LogDisk(directory: dir)
    }

    var accessLogPath: String { directory + "/access.log" }
    private var fillerPath: String { directory + "/filler" }

    /// Fills the disk; returns the bytes written until ENOSPC.
    func fill() -> Int {
        full.withLock { $0 = true }
        guard let fd = try? Sys.open(fillerPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC) else { return 0 }
        defer { Sys.close(fd) }
        let chunk = [UInt8](repeating: UInt8(ascii: "#"), count: 16384)
        var total = 0
        // Until the write fails: ENOSPC, the disk is full (the point of it).
        while let n = try? chunk.withUnsafeBytes({ raw throws(SystemCallError) in try Sys.write(fd, raw) }), n > 0 {
            total += n
        }
        return total
    }

    /// Frees the disk again (the filler, and the log lines that did fit).
    func drain() {
        _ = try? Sys.unlink(fillerPath)   // not there: fill() could not create it
        Self.empty(accessLogPath)
        full.withLock { $0 = false }
    }

    /// Unmounts (lazily, should a descriptor still be open) and removes the mount point.
    func close() {
        stopFlag.withLock { $0 = true }
        _ = waitUntil(timeout: 1) { finished.value }
        drain()
        Self.unmount(directory)
    }

    private static func unmount(_ dir: String) {
        // Either may find nothing to do (a stale mount point whose tmpfs went already).
        try? Sys.unmountDetached(dir)
        try? Sys.removeDirectory(dir)
    }

    /// Empties the access log (copytruncate); before preforkd's first line there is none yet.
    private static func empty(_ path: String) {
        try? Sys.truncate(path)
    }

    /// Unmounts the tmpfs of runners that no longer run (a crashed run).
    static func removeStale() {
        let tmp = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid > 0, pid != getpid(), !Sys.processExists(pid) else { continue }
            unmount(tmp + name)
        }
    }
}

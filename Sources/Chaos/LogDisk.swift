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
                if !full.value { truncate(accessLogPath, 0) }
                usleep(20_000)
            }
            finished.with { $0 = true }
        }
    }

    /// Mounts the tmpfs; a setup error names the call and errno (not root, no tmpfs).
    static func create() throws -> LogDisk {
        removeStale()
        let dir = NSTemporaryDirectory() + prefix + "\(getpid())-\(monotonicNanos())"
        guard mkdir(dir, 0o700) == 0 else { throw ChaosSetupError("mkdir \(dir): \(String(cString: strerror(errno)))") }
        guard mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700") == 0 else {
            let e = errno
            rmdir(dir)
            throw ChaosSetupError("mount tmpfs on \(dir) (log-full needs root): \(String(cString: strerror(e)))")
        }
        return LogDisk(directory: dir)
    }

    var accessLogPath: String { directory + "/access.log" }
    private var fillerPath: String { directory + "/filler" }

    /// Fills the disk; returns the bytes written until ENOSPC.
    func fill() -> Int {
        full.with { $0 = true }
        let fd = open(fillerPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return 0 }
        defer { Glibc.close(fd) }
        let chunk = [UInt8](repeating: UInt8(ascii: "#"), count: 16384)
        var total = 0
        while true {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 { total += n; continue }
            if n < 0 && errno == EINTR { continue }
            return total   // ENOSPC: full
        }
    }

    /// Frees the disk again (the filler, and the log lines that did fit).
    func drain() {
        unlink(fillerPath)
        truncate(accessLogPath, 0)
        full.with { $0 = false }
    }

    /// Unmounts (lazily, should a descriptor still be open) and removes the mount point.
    func close() {
        stopFlag.with { $0 = true }
        _ = waitUntil(timeout: 1) { finished.value }
        drain()
        Self.unmount(directory)
    }

    private static func unmount(_ dir: String) {
        umount2(dir, Int32(MNT_DETACH))
        rmdir(dir)
    }

    /// Unmounts the tmpfs of runners that no longer run (a crashed run).
    static func removeStale() {
        let tmp = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) == -1 && errno == ESRCH else { continue }
            unmount(tmp + name)
        }
    }
}

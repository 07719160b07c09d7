import Curl
import Foundation
import Glibc
import Harness

/// The daemon's event log and access log on FIFOs the runner holds, so a
/// log-stall fault can stop reading them (as a stalled `| tee`, journald or
/// container log reader would) and resume later. A FIFO is a pipe; its
/// buffer is cut to 4 KiB, after which a blocking writer waits in write(2).
///
/// The FIFOs live in a directory named after the run
/// (`/tmp/chaos-logs-<runner pid>-<ns>`), removed by `close()`; directories
/// of runners that no longer exist are removed at the next start.
final class LogPipes: Sendable {
    /// The two logs preforkd writes.
    enum Log: Int, Sendable, CaseIterable { case event, access }

    let directory: String
    /// Read ends, one per `Log`, non-blocking.
    private let readFDs: [Int32]
    /// Write ends the runner keeps open itself, so the FIFOs never report
    /// hang-up (poll would spin) between the daemon's reopen (USR1) calls.
    private let holdFDs: [Int32]
    private let paused = Locked(false)
    private let stopFlag = Locked(false)
    private let finished = Locked(false)
    /// Bytes read so far, per `Log`.
    let bytesRead = Locked<[UInt64]>([0, 0])

    static let prefix = "chaos-logs-"

    private init(directory: String, readFDs: [Int32], holdFDs: [Int32]) {
        self.directory = directory
        self.readFDs = readFDs
        self.holdFDs = holdFDs
    }

    /// Makes the FIFOs and opens them (read end first: opening for write
    /// without a reader would block or fail).
    static func create() throws -> LogPipes {
        removeStale()
        let dir = NSTemporaryDirectory() + prefix + "\(getpid())-\(monotonicNanos())"
        do { try Sys.makeDirectory(dir) } catch { throw ChaosSetupError("\(error)") }
        var reads: [Int32] = [], holds: [Int32] = []
        for log in Log.allCases {
            let path = path(dir, log)
            let r: Int32, w: Int32
            do {
                try Sys.makeFIFO(path)
                r = try Sys.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
                w = try Sys.open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                // 4 KiB instead of 64: a stalled reader is felt after ~30 lines, not ~400.
                try Sys.setPipeSize(w, 4096)
            } catch {
                throw ChaosSetupError("\(error)")
            }
            reads.append(r)
            holds.append(w)
        }
        let pipes = LogPipes(directory: dir, readFDs: reads, holdFDs: holds)
        pipes.start()
        return pipes
    }

    static func path(_ dir: String, _ log: Log) -> String { dir + (log == .event ? "/events.fifo" : "/access.fifo") }

    /// preforkd arguments that send the event log (and the access log
    /// unless it goes elsewhere, e.g. log-full's tmpfs) into the FIFOs.
    func daemonArguments(access: Bool) -> [String] {
        ["--log-file", Self.path(directory, .event)] + (access ? ["--access-log", Self.path(directory, .access)] : [])
    }

    /// Stops reading and fills both pipes to the brim (through the runner's
    /// own write ends): a reader that fell behind, so the daemon's very next
    /// log line meets a full pipe. Returns the bytes written.
    @discardableResult
    func pause() -> Int {
        paused.withLock { $0 = true }
        Sys.sleep(0.02)   // the reader thread sees the flag before the pipes fill
        let chunk = [UInt8](repeating: UInt8(ascii: "#"), count: 512)
        var filled = 0
        for fd in holdFDs {
            // Until nil (EAGAIN): full. The runner's own write end cannot fail otherwise.
            while let n = try? chunk.withUnsafeBytes({ raw throws(SystemCallError) in try Sys.write(fd, raw) }), n > 0 {
                filled += n
            }
        }
        return filled
    }

    /// Reads again (and drains what waited).
    func resume() { paused.withLock { $0 = false } }

    /// Total bytes read from both logs.
    var totalRead: UInt64 { bytesRead.value.reduce(0, +) }

    /// Ends the reader and removes the FIFOs. Call after the daemon is gone:
    /// a reader closing under a live writer would hand it EPIPE.
    func close() {
        resume()
        stopFlag.withLock { $0 = true }
        _ = waitUntil(timeout: 2) { finished.value }
        for fd in readFDs + holdFDs { Sys.close(fd) }
        Self.remove(directory)
    }

    private func start() {
        Thread.detachNewThread { [self] in
            var buf = [UInt8](repeating: 0, count: 65536)
            var pfds = readFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            while !stopFlag.value {
                if paused.value { Sys.sleep(0.01); continue }
                // Only to wait: each pipe is read until EAGAIN below whatever poll said.
                // A failure here is a bug of ours (EBADF, EINVAL), never the daemon's doing.
                do { _ = try Sys.poll(&pfds, timeoutMs: 50) } catch { fatalError("log pipes: \(error)") }
                for (i, fd) in readFDs.enumerated() {
                    // Until EAGAIN (nil): drained for now. The runner holds a
                    // write end, so 0 (EOF) and errors do not happen while it runs.
                    while let n = try? buf.withUnsafeMutableBytes({ raw throws(SystemCallError) in try Sys.read(fd, raw) }),
                          n > 0 {
                        bytesRead.withLock { $0[i] += UInt64(n) }
                    }
                }
            }
            finished.withLock { $0 = true }
        }
    }

    /// Removes FIFO directories of runners that no longer run (a crashed run).
    static func removeStale() {
        let tmp = NSTemporaryDirectory()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid > 0, pid != getpid(), !Sys.processExists(pid) else { continue }
            remove(tmp + name)
        }
    }

    /// Removes the FIFOs and their directory (what is not there is not missed).
    private static func remove(_ dir: String) {
        for log in Log.allCases { _ = try? Sys.unlink(path(dir, log)) }
        try? Sys.removeDirectory(dir)
    }
}

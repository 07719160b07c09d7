import Curl
import Foundation
import Glibc
import Harness

/// A preforkd master spawned in the foreground for one test, on `--port 0`,
/// with its own temp directory (log file, pid file). It leads its own process
/// group (workers inherit it), has a deadline, and `stop()` (also run by
/// deinit, so a failing test still cleans up) SIGKILLs the group and reaps
/// the master by pid.
final class Daemon: @unchecked Sendable {   // immutable after init
    let process: SpawnedProcess
    let ready: ReadyLine
    let dir: String
    let logPath: String
    let pidPath: String

    var master: Int32 { ready.pid }
    var port: Int { ready.port }
    var url: String { ready.url }

    /// Spawns preforkd with `--port 0 --fault-injection --log-file --pid-file
    /// --graceful-timeout 3` plus `args`, and waits for the ready line.
    /// `pidFileContent`, if given, is written to the pid file before the start.
    /// `logFile` replaces the temp dir's log file (a FIFO, say: then leave
    /// `log()` and `logTail()` alone, they read `logPath`).
    init(_ args: [String], workers: Int = 2, deadline: Double = 60, pidFileContent: String? = nil,
         logFile: String? = nil) throws {
        dir = makeTempDir()
        logPath = logFile ?? dir + "/preforkd.log"
        pidPath = dir + "/preforkd.pid"
        if let pidFileContent { try pidFileContent.write(toFile: pidPath, atomically: true, encoding: .utf8) }
        let all = ["--port", "0", "--workers", "\(workers)", "--fault-injection", "--log-file", logPath,
                   "--pid-file", pidPath, "--graceful-timeout", "3"] + args
        process = try SpawnedProcess.spawn(PreforkdBinary.path, all, deadline: deadline)
        do {
            ready = try process.waitReady(timeout: 20)
        } catch {
            process.terminateAndReap()
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    deinit { stop() }

    /// QUIT first (the master KILLs and reaps its own workers, so none is
    /// orphaned), then SIGKILL the whole group and reap the master by pid;
    /// removes the temp directory. Idempotent.
    func stop() {
        if process.reapedStatus == nil {
            process.signal(SIGQUIT)
            _ = process.wait(timeout: 2)
        }
        process.terminateAndReap()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The master's live (non-zombie) children, straight from /proc.
    func workers() -> [ProcessEntry] {
        ProcFS.children(of: master).filter { !$0.isZombie }
    }

    /// Waits until /proc shows exactly `n` live children of the master
    /// (answering is for the caller to check).
    @discardableResult
    func waitForWorkers(_ n: Int, timeout: Double = 5) -> Bool {
        waitUntil(timeout: timeout, interval: 0.005) { workers().count == n }
    }

    /// One request on a fresh connection.
    func get(_ path: String = "/", method: String = "GET", timeout: Double = 10) -> Result<HTTPResult, CurlError> {
        curlGet(url + path.dropFirst(path.hasPrefix("/") ? 1 : 0), method: method, timeout: timeout)
    }

    /// Parsed lines of the event log.
    func log() -> [LogLine] { LogLine.parseFile(logPath) }

    /// The log's lines with `event=name`.
    func events(_ name: String) -> [LogLine] { log().filter { $0.event == name } }

    /// Last lines of the log, for failure messages.
    func logTail(_ n: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "<no log>"
        return text.split(separator: "\n").suffix(n).joined(separator: "\n")
    }
}

/// A fresh directory under /tmp (mkdtemp); the caller removes it.
func makeTempDir() -> String {
    var template = Array("/tmp/preforkd-integ-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed: errno \(errno)")
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

extension Result where Success == HTTPResult, Failure == CurlError {
    /// The response, or nil on a transport error.
    var response: HTTPResult? { try? get() }

    /// Short text for failure messages.
    var summary: String {
        switch self {
        case .success(let r): return "\(r.status) pid=\(r.workerPid.map(String.init) ?? "-") served=\(r.workerServed.map(String.init) ?? "-")"
        case .failure(let e): return "\(e)"
        }
    }
}

/// Median and max of latencies in milliseconds, for the printed report.
func medianMax(_ values: [Double]) -> (median: Double, max: Double) {
    guard !values.isEmpty else { return (0, 0) }
    let s = values.sorted()
    let median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    return (median, s.last!)
}

/// Milliseconds between two monotonic nanosecond stamps.
func millis(_ from: UInt64, _ to: UInt64) -> Double { Double(Int64(bitPattern: to &- from)) / 1e6 }

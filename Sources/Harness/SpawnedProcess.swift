import CShims
import Dispatch
import Glibc
import Synchronization

/// A child of this (test or runner) process, spawned with posix_spawn, with
/// stdout on a pipe, stderr in a temp file and a deadline after which a
/// watchdog SIGKILLs its process group. Teardown (`terminateAndReap`, also run
/// by deinit) kills the group and the pid and reaps it by pid.
public final class SpawnedProcess: @unchecked Sendable {
    /// The child's pid.
    public let pid: Int32
    /// The child's /proc start time, to recognise it after its pid is reused.
    public let startTime: UInt64
    /// True if the child leads its own process group (pgid == pid).
    public let ownsProcessGroup: Bool

    /// Reap state; reaping and signalling happen under this lock so a signal
    /// never reaches a recycled pid.
    private struct State {
        var status: TerminationStatus?
        var lost = false            // ECHILD: someone else reaped it
        var deadlineHit = false
    }
    private let state = Mutex(State())
    private let stdout: LineReader
    private let stderrFD: Int32

    private init(pid: Int32, stdoutRead: Int32, stderrFD: Int32, newProcessGroup: Bool) {
        self.pid = pid
        self.stdout = LineReader(fd: stdoutRead)
        self.stderrFD = stderrFD
        self.ownsProcessGroup = newProcessGroup
        self.startTime = ProcFS.entry(pid)?.startTime ?? 0
    }

    /// Spawns `executable` with `arguments`. `environment` nil inherits ours.
    /// After `deadline` seconds the process group (or pid) is SIGKILLed.
    /// `listenFD`, if given, is passed as the child's fd 3 (socket activation).
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             deadline: Double = 60, newProcessGroup: Bool = true,
                             listenFD: Int32? = nil) throws -> SpawnedProcess {
        let pipe = try Spawner.pipe()
        let errFile: Int32
        do { errFile = try Spawner.anonymousTempFile() } catch { Sys.close(pipe.read); Sys.close(pipe.write); throw error }
        let pid: Int32
        do {
            pid = try Spawner.spawn(executable, arguments, environment: environment,
                                    stdio: .init(stdoutWrite: pipe.write, stderrFile: errFile),
                                    newProcessGroup: newProcessGroup, listenFD: listenFD)
        } catch {
            Sys.close(pipe.read); Sys.close(pipe.write); Sys.close(errFile)
            throw error
        }
        Sys.close(pipe.write)   // so EOF on stdout means the child (and its heirs) closed it
        let process = SpawnedProcess(pid: pid, stdoutRead: pipe.read, stderrFD: errFile,
                                     newProcessGroup: newProcessGroup)
        process.armWatchdog(after: deadline)
        return process
    }

    deinit {
        terminateAndReap()
        Sys.close(stderrFD)
    }

    /// The next stdout line (without "\n"), waiting at most `timeout` seconds;
    /// nil on timeout or at end of output.
    public func readLine(timeout: Double) -> String? {
        stdout.readLine(timeout: timeout)
    }

    /// Everything the child wrote to stderr so far.
    public var stderrText: String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let start = offset
            let n = (try? chunk.withUnsafeMutableBytes { raw throws(SystemCallError) in try Sys.pread(stderrFD, raw, at: start) }) ?? 0
            guard n > 0 else { break }   // the end (a failed read of our own temp file is the end too)
            bytes.append(contentsOf: chunk[..<n])
            offset += off_t(n)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads stdout lines until one parses as the ready line. Throws if the
    /// output ends, the process exits, or `timeout` passes first.
    public func waitReady(timeout: Double = 20) throws -> ReadyLine {
        let deadline = monotonicSeconds() + timeout
        var seen: [String] = []
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 {
                throw HarnessError.timeout("no ready line from pid \(pid) in \(timeout)s; stdout: \(seen); stderr: \(stderrText.suffix(2000))")
            }
            if let line = readLine(timeout: min(left, 0.1)) {
                if let ready = ReadyLine.parse(line) { return ready }
                seen.append(line)
            } else if stdout.atEOF || wait(timeout: 0) != nil {
                let status = wait(timeout: 0.5).map { "\($0)" } ?? "running"
                throw HarnessError.notReady("pid \(pid) (\(status)) ended stdout without ready line; stdout: \(seen); stderr: \(stderrText.suffix(2000))")
            }
        }
    }

    /// Sends `signo` to the child's pid, unless it has already been reaped.
    public func signal(_ signo: Int32) {
        state.withLock { s in
            if s.status == nil && !s.lost { _ = Sys.kill(pid, signo) }
        }
    }

    /// Sends `signo` to the child's whole process group (if it leads one and is unreaped).
    public func signalGroup(_ signo: Int32) {
        state.withLock { s in
            if ownsProcessGroup && s.status == nil && !s.lost { _ = Sys.killGroup(pid, signo) }
        }
    }

    /// True once the watchdog killed the child because its deadline passed.
    public var deadlineExpired: Bool { state.withLock { $0.deadlineHit } }

    /// The exit status if the child has been reaped already (no syscall).
    public var reapedStatus: TerminationStatus? { state.withLock { $0.status } }

    /// Waits for the child BY PID (waitpid(pid, WNOHANG) polled every 5 ms);
    /// nil if it is still running after `timeout` seconds. Idempotent.
    public func wait(timeout: Double) -> TerminationStatus? {
        let deadline = monotonicSeconds() + timeout
        while true {
            let (status, lost) = state.withLock { s -> (TerminationStatus?, Bool) in
                reapLocked(&s)
                return (s.status, s.lost)
            }
            if status != nil || lost { return status }
            if monotonicSeconds() >= deadline { return nil }
            sleepSeconds(0.005)
        }
    }

    /// Teardown: SIGKILL the process group and the pid, reap by pid, then kill
    /// any group member left behind. Idempotent; also called by deinit.
    public func terminateAndReap() {
        state.withLock { s in
            if s.status == nil && !s.lost {
                if ownsProcessGroup { _ = Sys.killGroup(pid, SIGKILL) }
                _ = Sys.kill(pid, SIGKILL)
                let limit = monotonicSeconds() + 5
                while s.status == nil && !s.lost && monotonicSeconds() < limit {
                    reapLocked(&s)
                    if s.status == nil { sleepSeconds(0.002) }
                }
            }
        }
        killGroupLeftovers()
        stdout.close()
    }

    /// waitpid(pid, WNOHANG) once; records the status, or that the child
    /// is lost (ECHILD: someone else reaped it). Caller holds the lock.
    private func reapLocked(_ s: inout State) {
        guard s.status == nil && !s.lost else { return }
        do {
            if let raw = try Sys.reap(pid) { s.status = TerminationStatus(waitStatus: raw) }
        } catch {
            s.lost = error.errno == ECHILD
        }
    }

    /// Members of our old process group that outlived the leader (orphans
    /// that kept the pgid): SIGKILL them, and reap by pid those re-parented
    /// to us (when we are a subreaper). Skips if the leader's pid now names
    /// another process.
    private func killGroupLeftovers() {
        guard ownsProcessGroup else { return }
        let members = ProcFS.groupMembers(pid).filter { $0.pid != pid }
        if ProcFS.entry(pid).map({ $0.startTime != startTime }) ?? false { return }
        for member in members where !member.isZombie {
            _ = SafeSignal.send(SIGKILL, to: member.pid, expectedStartTime: member.startTime)
        }
        let me = getpid()
        var adopted = Set(members.filter { $0.ppid == me }.map(\.pid))
        guard !adopted.isEmpty else { return }
        waitUntil(timeout: 2) {
            for child in adopted {
                do throws(SystemCallError) {
                    if try Sys.reap(child) != nil { adopted.remove(child) }
                } catch {
                    if error.errno == ECHILD { adopted.remove(child) }   // reaped elsewhere
                }
            }
            return adopted.isEmpty
        }
    }

    private func armWatchdog(after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [weak self] in
            self?.deadlinePassed()
        }
    }

    private func deadlinePassed() {
        state.withLock { s in
            guard s.status == nil && !s.lost else { return }
            s.deadlineHit = true
            if ownsProcessGroup { _ = Sys.killGroup(pid, SIGKILL) }
            _ = Sys.kill(pid, SIGKILL)
        }
    }
}

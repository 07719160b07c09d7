import Curl
import Foundation
import Glibc
import Harness

/// libcurl load on background threads for the length of a test: keep-alive
/// transfers and fresh connections at once (a hand-over must not fail
/// either kind), recording every request, silent resends included.
final class BackgroundLoad: @unchecked Sendable {   // the records are handed over under a semaphore
    private let stopFlag = StopFlag()
    private let done = DispatchSemaphore(value: 0)
    private let records = Locked<[RequestRecord]>([])
    private let loops: [LoadOptions]

    init(url: String, keepAlive: Int = 12, fresh: Int = 4) {
        loops = [LoadOptions(url: url, concurrency: keepAlive, duration: 600, keepAlive: true, timeout: 10),
                 LoadOptions(url: url, concurrency: fresh, duration: 600, keepAlive: false, timeout: 10)]
    }

    func start() {
        for options in loops {
            Thread { [self] in
                let got = LoadLoop(options).run(stop: stopFlag)
                records.withLock { $0 += got }
                done.signal()
            }.start()
        }
    }

    /// Stops both loops and returns every record.
    func stop() -> [RequestRecord] {
        stopFlag.stop()
        for _ in loops { done.wait() }
        return records.withLock { $0 }
    }

    /// failed (refused or non-200), indeterminate (any other curl error), ok, resends.
    static func summary(_ records: [RequestRecord]) -> (failed: [RequestRecord], indeterminate: [RequestRecord], resends: Int) {
        let failed = records.filter { $0.curlCode == 7 || ($0.curlCode == 0 && $0.status != 200) }
        let indeterminate = records.filter { $0.curlCode != 0 && $0.curlCode != 7 }
        return (failed, indeterminate, records.filter(\.silentResend).count)
    }
}

/// Process facts around an upgrade, from /proc and the pid file only.
enum Upgrades {
    /// The pid the pid file names now.
    static func pidFile(_ path: String) -> Int32? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func alive(_ pid: Int32) -> Bool {
        guard let e = ProcFS.entry(pid) else { return false }
        return !e.isZombie
    }

    /// Reaps `pid` if it is our child (an upgraded master adopted by this
    /// subreaper test process), by pid. True once it is gone for good.
    @discardableResult
    static func reap(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        return r == pid || (r == -1 && errno == ECHILD && !alive(pid))
    }

    /// Waits until `pid` has exited (and reaps it if it is ours).
    static func waitGone(_ pid: Int32, timeout: Double) -> Bool {
        waitUntil(timeout: timeout, interval: 0.002) { !alive(pid) && (reap(pid) || ProcFS.entry(pid) == nil) }
    }

    /// Live (non-zombie) children of `master`.
    static func workers(of master: Int32) -> [ProcessEntry] {
        ProcFS.children(of: master).filter { !$0.isZombie }
    }

    /// Live processes in process group `pgid`.
    static func liveMembers(_ pgid: Int32) -> [ProcessEntry] {
        ProcFS.groupMembers(pgid).filter { !$0.isZombie }
    }

    /// Reaps zombies in `pgid` that were re-parented to us (a killed script's children).
    static func reapGroup(_ pgid: Int32) {
        for e in ProcFS.groupMembers(pgid) where e.ppid == getpid() { reap(e.pid) }
    }

    /// SIGKILLs everything left in the groups and reaps what is ours: teardown.
    /// Teardown of a test that upgraded `d`: KILL the current master (which
    /// may be a later generation than `d.process`), then every process left in
    /// the original group, then stop the fixture.
    static func tearDown(_ d: Daemon, master: Int32, group: Int32) {
        if let entry = ProcFS.entry(master), !entry.isZombie {
            _ = SafeSignal.send(SIGKILL, to: master, expectedStartTime: entry.startTime)
        }
        killGroups([group])
        d.stop()
    }

    static func killGroups(_ groups: [Int32]) {
        for g in groups where g > 0 {
            for e in ProcFS.groupMembers(g) where !e.isZombie {
                _ = SafeSignal.send(SIGKILL, to: e.pid, expectedStartTime: e.startTime)
            }
        }
        waitUntil(timeout: 2) {
            groups.forEach(reapGroup)
            return groups.allSatisfy { ProcFS.groupMembers($0).isEmpty }
        }
    }
}

/// A directory holding `preforkd` as a symlink to the built binary, so a test
/// can replace the started path (rename) without touching the build.
struct SwappableBinary {
    let dir: String
    var path: String { dir + "/preforkd" }

    init() throws {
        dir = makeTempDir()
        try restore()
    }

    /// `preforkd` becomes a shell script with `body` (rename: atomic, like a deploy).
    func replace(withScript body: String) throws {
        let temp = dir + "/next"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: temp, atomically: false, encoding: .utf8)
        chmod(temp, 0o755)
        guard rename(temp, path) == 0 else { throw SystemCallError(call: "rename", errno: errno) }
    }

    /// `preforkd` is the built binary again.
    func restore() throws {
        let temp = dir + "/next"
        unlink(temp)
        guard symlink(PreforkdBinary.path, temp) == 0, rename(temp, path) == 0 else {
            throw SystemCallError(call: "symlink/rename", errno: errno)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

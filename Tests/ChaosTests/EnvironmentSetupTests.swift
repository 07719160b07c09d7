import Foundation
import Glibc
import Harness
import Testing
@testable import Chaos

/// Setup and teardown of the environment faults, without a daemon: what the
/// runner creates outside its process (FIFOs, a tmpfs, a cgroup) is named
/// after the run and gone afterwards, also when a dead runner left it.
@Suite(.serialized) struct EnvironmentSetupTests {
    @Test func logPipesStallFullThenDrainAndVanish() throws {
        let pipes = try LogPipes.create()
        let fifo = LogPipes.path(pipes.directory, .access)
        #expect(pipes.directory.contains("chaos-logs-\(getpid())-"))
        let w = open(fifo, O_WRONLY | O_NONBLOCK)
        try #require(w >= 0)
        defer { close(w) }
        #expect(write(w, "line\n", 5) == 5)
        #expect(waitUntil(timeout: 2) { pipes.bytesRead.value[LogPipes.Log.access.rawValue] >= 5 })
        let filled = pipes.pause()
        #expect(filled >= 4096 - 5)   // both pipes full to the brim
        #expect(write(w, "line\n", 5) == -1 && errno == EAGAIN)   // a writer meets a full pipe
        pipes.resume()
        #expect(waitUntil(timeout: 2) { write(w, "line\n", 5) == 5 })   // drained again
        pipes.close()
        #expect(!FileManager.default.fileExists(atPath: pipes.directory))
    }

    @Test func stalePipeDirectoryOfDeadRunnerIsRemoved() throws {
        // A pid that cannot be alive: beyond pid_max.
        let dir = NSTemporaryDirectory() + LogPipes.prefix + "99999999-1"
        try #require(mkdir(dir, 0o700) == 0)
        #expect(mkfifo(dir + "/events.fifo", 0o600) == 0)
        LogPipes.removeStale()
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test(.enabled(if: getuid() == 0, "mount(2) needs root; log-full then skips with the reason"))
    func logDiskFillsDrainsAndUnmounts() throws {
        let disk = try LogDisk.create()
        let mounted = { (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8))?.contains(disk.directory) == true }
        #expect(mounted())
        #expect(disk.fill() > 900_000)
        let fd = open(disk.accessLogPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        defer { close(fd) }
        let line = [UInt8](repeating: 65, count: 8192)
        #expect(write(fd, line, line.count) == -1 && errno == ENOSPC)
        disk.drain()
        #expect(write(fd, line, line.count) == line.count)
        disk.close()
        #expect(!mounted())
        #expect(!FileManager.default.fileExists(atPath: disk.directory))
    }

    @Test(.enabled(if: access(CPUThrottle.root, W_OK) == 0, "cgroup v1 cpu not writable; cpu-throttle then skips with the reason"))
    func cpuThrottleMovesInAndBackAndRemovesTheGroup() throws {
        let (made, reason) = CPUThrottle.create(quota: 0.3)
        let group = try #require(made, "\(reason)")
        let p = try SpawnedProcess.spawn("/bin/sleep", ["10"], deadline: 15)
        defer { p.terminateAndReap() }
        let home = CPUThrottle.cpuGroup(of: p.pid)
        let moved = group.enter([p.pid])
        #expect(moved.count == 1)
        #expect(CPUThrottle.cpuGroup(of: p.pid) == "/" + (group.path as NSString).lastPathComponent)
        #expect(try String(contentsOfFile: group.path + "/cpu.cfs_quota_us", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "30000")
        group.leave(moved)
        #expect(CPUThrottle.cpuGroup(of: p.pid) == home)
        #expect(!FileManager.default.fileExists(atPath: group.path))
    }
}

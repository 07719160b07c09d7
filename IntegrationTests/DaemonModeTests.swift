import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// --daemon: the seed's detached mode, with the launcher's readiness report.
    @Suite struct DaemonModeTests {
        /// Runs the launcher to its exit; returns (status, stdout line, stderr).
        func launch(_ args: [String]) throws -> (TerminationStatus?, String?, String) {
            let launcher = try SpawnedProcess.spawn(PreforkdBinary.path, ["--daemon"] + args, deadline: 30)
            defer { launcher.terminateAndReap() }
            let line = launcher.readLine(timeout: 20)
            let status = launcher.wait(timeout: 20)
            return (status, line, launcher.stderrText)
        }

        @Test func daemonDetachesAndStopsOnTerm() throws {
            let dir = makeTempDir()
            defer { ProcExtra.killAll(commandLineContaining: dir); try? FileManager.default.removeItem(atPath: dir) }
            let pidFile = dir + "/d.pid"
            let (status, line, stderr) = try launch(["--port", "0", "--workers", "2", "--pid-file", pidFile,
                                                     "--log-file", dir + "/d.log", "--graceful-timeout", "3"])
            #expect(status == .exited(0), "launcher: \(String(describing: status)) stderr: \(stderr)")
            let text = try #require(line, "launcher printed nothing; stderr: \(stderr)")
            let parts = text.split(separator: " ")
            try #require(parts.count == 5 && text.hasPrefix("Parent daemon running. pid="), "line: \(text)")
            let pid = try #require(Int32(parts[3].dropFirst(4)), "line: \(text)")
            let url = String(parts[4].dropFirst(4))
            #expect(PidFileText.read(pidFile) == pid, "pid file holds \(String(describing: PidFileText.read(pidFile))), daemon is \(pid)")
            let entry = try #require(ProcFS.entry(pid), "daemon \(pid) not running")
            let session = try #require(ProcExtra.sessionAndTTY(pid))
            let mine = try #require(ProcExtra.sessionAndTTY(getpid()))
            // Double fork, then setsid in the daemon itself: it leads a
            // session of its own (sid == pid), without a terminal.
            #expect(session.sid != mine.sid && session.sid == pid && entry.pgrp == pid && session.tty == 0,
                    "sid \(session.sid) pgrp \(entry.pgrp) tty \(session.tty); test sid \(mine.sid)")
            for fd: Int32 in [0, 1, 2] {
                #expect(ProcExtra.fdTarget(pid, fd) == "/dev/null", "fd \(fd) -> \(String(describing: ProcExtra.fdTarget(pid, fd)))")
            }
            #expect(curlGet(url, timeout: 5).response?.status == 200, "daemon at \(url) does not answer")
            kill(pid, SIGTERM)
            #expect(waitUntil(timeout: 5) { ProcExtra.hasExited(entry) }, "daemon still running 5 s after TERM")
            #expect(!FileManager.default.fileExists(atPath: pidFile), "pid file left after TERM")
            #expect(waitUntil(timeout: 2) { ProcExtra.processes(commandLineContaining: dir).isEmpty },
                    "left: \(ProcExtra.processes(commandLineContaining: dir))")
        }

        /// USR2 to a daemon: the new master stays in the daemon's session and
        /// process group, logs to the same file, takes the pid file; twice.
        @Test func daemonUpgradesInPlace() throws {
            let dir = makeTempDir()
            defer { ProcExtra.killAll(commandLineContaining: dir); try? FileManager.default.removeItem(atPath: dir) }
            let pidFile = dir + "/d.pid"
            let logFile = dir + "/d.log"
            let (status, line, stderr) = try launch(["--port", "0", "--workers", "2", "--pid-file", pidFile,
                                                     "--log-file", logFile, "--graceful-timeout", "3"])
            #expect(status == .exited(0), "launcher: \(String(describing: status)) stderr: \(stderr)")
            let text = try #require(line, "launcher printed nothing; stderr: \(stderr)")
            let url = String(text.split(separator: " ").last?.dropFirst(4) ?? "")
            var master = try #require(PidFileText.read(pidFile))
            let session = try #require(ProcExtra.sessionAndTTY(master)).sid
            for round in 1...2 {
                kill(master, SIGUSR2)
                var new: Int32 = 0
                #expect(waitUntil(timeout: 15) {
                    guard let p = PidFileText.read(pidFile), p != master else { return false }
                    new = p
                    return true
                }, "round \(round): pid file not rewritten; log: \(LogLine.parseFile(logFile).suffix(10))")
                #expect(waitUntil(timeout: 10) { ProcFS.entry(master).map(\.isZombie) ?? true }, "round \(round): old master still runs")
                #expect(ProcExtra.sessionAndTTY(new)?.sid == session && ProcFS.entry(new)?.pgrp == session,
                        "round \(round): the new master left the daemon's session or group")
                #expect(curlGet(url, timeout: 5).response?.status == 200)
                master = new
            }
            let events = LogLine.parseFile(logFile)
            #expect(events.filter { $0.event == "upgrade_ready" }.count == 2, "one log file for every generation")
            kill(master, SIGTERM)
            #expect(waitUntil(timeout: 5) { ProcFS.entry(master).map(\.isZombie) ?? true })
            #expect(!FileManager.default.fileExists(atPath: pidFile))
            #expect(waitUntil(timeout: 2) { ProcExtra.processes(commandLineContaining: dir).isEmpty },
                    "left: \(ProcExtra.processes(commandLineContaining: dir))")
        }

        @Test func takenPortFailsTheLauncher() throws {
            let dir = makeTempDir()
            defer { ProcExtra.killAll(commandLineContaining: dir); try? FileManager.default.removeItem(atPath: dir) }
            let holder = try RawListener()
            let (status, line, stderr) = try launch(["--port", "\(holder.port)", "--workers", "2",
                                                     "--log-file", dir + "/d.log", "--pid-file", dir + "/d.pid"])
            #expect(status != nil && status != .exited(0), "launcher: \(String(describing: status)) line: \(line ?? "")")
            let lines = stderr.split(separator: "\n")
            #expect(lines.count == 1 && stderr.lowercased().contains("in use"), "stderr: \(stderr)")
            #expect(waitUntil(timeout: 2) { ProcExtra.processes(commandLineContaining: dir).isEmpty })
        }

        @Test func livePidFileRefusesToStart() throws {
            let dir = makeTempDir()
            defer { ProcExtra.killAll(commandLineContaining: dir); try? FileManager.default.removeItem(atPath: dir) }
            let pidFile = dir + "/d.pid"
            try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)   // we are alive
            let (status, _, stderr) = try launch(["--port", "0", "--workers", "2", "--pid-file", pidFile, "--log-file", dir + "/d.log"])
            #expect(status != nil && status != .exited(0), "launcher: \(String(describing: status))")
            #expect(stderr.contains("pid file"), "stderr: \(stderr)")
            #expect(PidFileText.read(pidFile) == getpid(), "the live pid file was overwritten")
            #expect(waitUntil(timeout: 2) { ProcExtra.processes(commandLineContaining: dir).isEmpty })
        }

        @Test func stalePidFileIsReplaced() throws {
            // A pid that surely is not running: a child we spawned and reaped.
            let gone = try SpawnedProcess.spawn("/bin/true", [])
            _ = gone.wait(timeout: 5)
            let d = try Daemon([], pidFileContent: "\(gone.pid)\n")
            defer { d.stop() }
            #expect(PidFileText.read(d.pidPath) == d.master, "stale pid file not replaced")
        }
    }
}

/// A listening socket on a kernel-chosen port, to make a port "taken".
final class RawListener {
    let fd: Int32
    let port: Int

    init() throws {
        (fd, port) = try Ports.listen(backlog: 16)
    }

    deinit { close(fd) }
}

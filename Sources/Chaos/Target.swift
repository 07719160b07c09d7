import Foundation
import Harness

/// The daemon under test, started and ready with its full worker count.
struct Target {
    let process: SpawnedProcess
    let command: [String]
    let port: Int
    let baseURL: String
    let pidFile: String?
    /// Worker count N the run expects: `--workers`, or counted (`--workers auto`).
    var workers = 0
    /// The log FIFOs the runner holds (preforkd runs with log-stall faults).
    let logs: LogPipes?
    /// The access log's tmpfs (preforkd runs with log-full faults), or why there is none.
    let logDisk: (disk: LogDisk?, reason: String?)
    /// The swappable started path (preforkd runs with bad-upgrade faults).
    var binary: TargetBinary?

    var master: Int32 { process.pid }

    /// A process of the target's: it was spawned leading its own process
    /// group, which its workers inherit. Other work in this process (tests
    /// running alongside) may have unrelated orphans with the runner.
    func owns(_ entry: ProcessEntry) -> Bool { entry.pgrp == master }

    /// Starts preforkd (beside this executable) or the foreign command, waits
    /// for readiness, then for N live workers in /proc (with `workersAuto`, N is
    /// counted once the target answers).
    static func launch(_ c: ChaosConfig, lifetime: Double) throws -> Target {
        var t = c.isPreforkd ? try launchPreforkd(c, deadline: lifetime) : try launchForeign(c, deadline: lifetime)
        t.workers = c.workers
        if c.workersAuto {
            t.workers = WorkerCount.settled(master: t.master)
            guard t.workers > 0 else {
                t.process.terminateAndReap()
                throw ChaosSetupError("--workers auto: target pid \(t.master) has no child processes after it "
                    + "answered; chaos-run needs a pre-forking server (a master with worker children)")
            }
            return t
        }
        let full = waitUntil(timeout: 15) {
            ProcFS.children(of: t.master).filter { !$0.isZombie }.count >= c.workers
        }
        guard full else {
            let n = ProcFS.children(of: t.master).count
            t.process.terminateAndReap()
            t.logs?.close()
            t.logDisk.disk?.close()
            throw ChaosSetupError("target pid \(t.master) has \(n) children after 15 s, expected \(c.workers) "
                + "(use --workers to match the server)\n" + t.process.stderrText.suffix(2000))
        }
        return t
    }

    static func preforkdPath(_ c: ChaosConfig) throws -> String {
        if let p = c.preforkdPath { return p }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let dir = (exe as NSString).deletingLastPathComponent
        for candidate in [dir + "/preforkd", (dir as NSString).deletingLastPathComponent + "/preforkd"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw ChaosSetupError("preforkd not found beside \(exe); build it (swift build) or pass -- COMMAND")
    }

    /// With bad-upgrade faults preforkd is started from a swappable path of the runner's.
    private static func launchPreforkd(_ c: ChaosConfig, deadline: Double) throws -> Target {
        let exe = try preforkdPath(c)
        guard c.effectiveFaults.contains(.badUpgrade) else { return try startPreforkd(c, exe, nil, deadline: deadline) }
        let binary: TargetBinary
        do { binary = try TargetBinary(real: exe) } catch { throw ChaosSetupError("bad-upgrade: \(error)") }
        do { return try startPreforkd(c, binary.path, binary, deadline: deadline) } catch {
            binary.remove()
            throw error
        }
    }

    private static func startPreforkd(_ c: ChaosConfig, _ exe: String, _ binary: TargetBinary?,
                                      deadline: Double) throws -> Target {
        let pidFile = NSTemporaryDirectory() + "chaos-\(getpid())-\(monotonicNanos()).pid"
        var args = ["--port", "0", "--fault-injection", "--workers", "\(c.workers)", "--lifetime", "\(c.lifetime)",
                    "--timeout", "\(c.timeout)", "--graceful-timeout", "\(c.gracefulTimeout)", "--pid-file", pidFile]
        if c.lifetimeJitter > 0 { args += ["--lifetime-jitter", "\(c.lifetimeJitter)"] }
        if binary != nil { args += ["--upgrade-timeout", "\(c.upgradeTimeout)"] }
        var disk: (disk: LogDisk?, reason: String?) = (nil, nil)
        if c.effectiveFaults.contains(.logFull) {
            do { disk.disk = try LogDisk.create() } catch { disk.reason = "\(error)" }
        }
        if let d = disk.disk { args += ["--access-log", d.accessLogPath] }
        let logs: LogPipes?
        do { logs = c.effectiveFaults.contains(.logStall) ? try LogPipes.create() : nil } catch {
            disk.disk?.close()
            throw error
        }
        args += logs?.daemonArguments(access: disk.disk == nil) ?? []
        args += c.extraArgs
        let p: SpawnedProcess
        do { p = try SpawnedProcess.spawn(exe, args, deadline: deadline) } catch {
            logs?.close()
            disk.disk?.close()
            throw error
        }
        do {
            let ready = try p.waitReady(timeout: 20)
            guard ready.pid == p.pid else {
                p.terminateAndReap()
                logs?.close()
                disk.disk?.close()
                throw ChaosSetupError("ready line names pid \(ready.pid), spawned \(p.pid)")
            }
            return Target(process: p, command: [exe] + args, port: ready.port,
                          baseURL: "http://127.0.0.1:\(ready.port)/", pidFile: pidFile, logs: logs, logDisk: disk,
                          binary: binary)
        } catch let e as ChaosSetupError { throw e } catch {
            p.terminateAndReap()
            logs?.close()
            disk.disk?.close()
            throw ChaosSetupError("preforkd did not become ready: \(error)\n" + p.stderrText.suffix(2000))
        }
    }

    private static func launchForeign(_ c: ChaosConfig, deadline: Double) throws -> Target {
        let port = Ports.free()
        let cmd = c.command!.map { $0.replacingOccurrences(of: "{port}", with: "\(port)") }
        var exe = cmd[0]
        if !exe.contains("/") {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            exe = path.split(separator: ":").map { "\($0)/\(exe)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? exe
        }
        let p = try SpawnedProcess.spawn(exe, Array(cmd.dropFirst()), deadline: deadline)
        guard waitUntil(timeout: 20, interval: 0.05, { Ports.accepts(port: port) }) else {
            p.terminateAndReap()
            throw ChaosSetupError("\(cmd.joined(separator: " ")) did not accept on port \(port) within 20 s\n"
                + p.stderrText.suffix(2000))
        }
        return Target(process: p, command: cmd, port: port, baseURL: "http://127.0.0.1:\(port)/", pidFile: c.pidFile,
                      logs: nil, logDisk: (nil, nil), binary: nil)
    }
}

@preconcurrency import Glibc
import Foundation
import Harness

/// The server under test: a URL given, a spawned command, or the built preforkd.
struct Target {
    var url: String
    /// Human note for the first output line.
    var what: String
    /// Set when this run spawned the server; stopped (by pid) in `stop()`.
    var process: SpawnedProcess?
    /// The --root directory made for the built-in preforkd; removed in `stop()`.
    var root: String?

    /// Spawns what is asked for and waits until it accepts connections.
    static func start(url: String?, command: [String]) throws -> Target {
        if let url {
            guard command.isEmpty else { throw HarnessError.notReady("give --url or a command, not both") }
            return Target(url: url, what: "", process: nil, root: nil)
        }
        if !command.isEmpty {
            var cmd = command
            cmd[0] = resolve(cmd[0])
            let d = try spawnDaemon(command: cmd, deadline: 600)
            return Target(url: d.url, what: "spawned pid \(d.process.pid): \(command.joined(separator: " "))",
                          process: d.process, root: nil)
        }
        return try startPreforkd()
    }

    /// The preforkd built next to this binary, serving a fresh --root whose
    /// index.html carries validators (so the 304 case runs). Unlimited
    /// lifetime: a worker retiring mid-run closes keep-alive connections by
    /// contract, which would read as persistence failures.
    static func startPreforkd() throws -> Target {
        let root = try StaticRoot.make()
        let args = ["--port", "0", "--fault-injection", "--header-timeout", "2", "--lifetime", "0", "--root", root]
        let p: SpawnedProcess
        do {
            p = try SpawnedProcess.spawn(siblingPreforkd(), args, deadline: 600)
        } catch {
            StaticRoot.remove(root)
            throw error
        }
        do {
            let ready = try p.waitReady(timeout: 20)
            return Target(url: ready.url, what: "spawned preforkd pid \(p.pid), --root \(root)", process: p, root: root)
        } catch {
            p.terminateAndReap()
            StaticRoot.remove(root)
            throw error
        }
    }

    /// Stops a spawned server: TERM by pid, then KILL and reap.
    func stop() {
        if let p = process {
            p.signal(SIGTERM)
            if p.wait(timeout: 3) == nil { p.terminateAndReap() }
        }
        if let root { StaticRoot.remove(root) }
    }

    /// A bare command name looked up in PATH (posix_spawn needs a path).
    static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where Sys.accessible("\(dir)/\(name)", X_OK) {
            return "\(dir)/\(name)"
        }
        return name
    }

    /// preforkd built into the same directory as this executable.
    static func siblingPreforkd() -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("preforkd").path
    }
}

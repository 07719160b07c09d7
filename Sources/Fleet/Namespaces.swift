import Foundation
import Glibc
import Harness

/// Creates and removes the run's namespaces with `ip` child processes.
public enum Namespaces {
    /// Runs `ip ARGS` (deadline 10 s); throws with its stderr unless it exits 0.
    static func ip(_ arguments: [String]) throws {
        try Command.run("ip", arguments)
    }

    /// Names from `ip netns list`.
    public static func list() -> [String] {
        guard let out = try? Command.output("ip", ["netns", "list"]) else { return [] }
        return out.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Removes `pfk-*` namespaces whose runner pid is no longer alive
    /// (a crashed or killed earlier run). Returns the names removed.
    @discardableResult
    public static func removeStale() -> [String] {
        var removed: [String] = []
        for name in list() {
            guard let pid = Topology.runID(ofNamespace: name), pid != getpid(), !isRunner(pid) else { continue }
            if (try? ip(["netns", "del", name])) != nil { removed.append(name) }
        }
        return removed
    }

    /// True while `pid` is a live runner: not gone, not a zombie (a
    /// SIGKILLed runner whose parent has not reaped it yet), and the same
    /// program as us (a reused pid names another program).
    static func isRunner(_ pid: Int32) -> Bool {
        guard let e = ProcFS.entry(pid), !e.isZombie else { return false }
        return e.comm == ProcFS.entry(getpid())?.comm
    }

    /// Builds `t`; on a failure removes what was made and rethrows.
    static func create(_ t: Topology) throws {
        do {
            for c in t.setupCommands { try ip(c) }
        } catch {
            remove(t)
            throw error
        }
    }

    /// Deletes every namespace of `t` (their veths go with them). Never throws:
    /// teardown removes what it can and names what it could not.
    @discardableResult
    public static func remove(_ t: Topology) -> [String] {
        let present = Set(list())
        var left: [String] = []
        for name in t.namespaces where present.contains(name) {
            if (try? ip(["netns", "del", name])) == nil { left.append(name) }
        }
        return left
    }
}

/// A short child command (ip, tc, haproxy -c) run to completion.
enum Command {
    /// Runs it; throws `FleetSetupError` with its stderr unless it exits 0.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 10) throws {
        _ = try output(executable, arguments, timeout: timeout)
    }

    /// Runs it and returns its stdout.
    static func output(_ executable: String, _ arguments: [String], timeout: Double = 10) throws -> String {
        let p = try SpawnedProcess.spawn(executable, arguments, deadline: timeout, newProcessGroup: false)
        var lines: [String] = []
        while let line = p.readLine(timeout: timeout) { lines.append(line) }
        let status = p.wait(timeout: timeout)
        guard status == .exited(0) else {
            throw FleetSetupError("\(executable) \(arguments.joined(separator: " ")): \(status.map { "\($0)" } ?? "timed out"): \(p.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return lines.joined(separator: "\n")
    }
}

/// A setup problem: the run cannot start (exit 2).
public struct FleetSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

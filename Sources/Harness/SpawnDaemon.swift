import Glibc

/// A server command spawned on a known port and accepting connections.
public struct SpawnedDaemon: Sendable {
    /// The spawned process (for preforkd: the master).
    public let process: SpawnedProcess
    /// The port substituted for "{port}".
    public let port: Int
    /// `http://127.0.0.1:<port>/`
    public var url: String { "http://127.0.0.1:\(port)/" }
}

/// Spawns `command` (executable first) with every "{port}" in its arguments
/// replaced by `port`, then waits until 127.0.0.1:port accepts connections.
/// Throws (after killing the process) if it exits or `readyTimeout` passes first.
/// For servers that print a ready line, `SpawnedProcess.waitReady` is the stronger check.
public func spawnDaemon(command: [String], port: Int = Ports.free(), environment: [String: String]? = nil,
                        deadline: Double = 60, readyTimeout: Double = 20) throws -> SpawnedDaemon {
    guard let executable = command.first else { throw HarnessError.notReady("empty command") }
    let args = command.dropFirst().map { $0.replacingAll("{port}", with: String(port)) }
    let process = try SpawnedProcess.spawn(executable, args, environment: environment, deadline: deadline)
    var exited: TerminationStatus?
    let up = waitUntil(timeout: readyTimeout, interval: 0.02) {
        if Ports.accepts(port: port, timeout: 0.2) { return true }
        exited = process.wait(timeout: 0)
        return exited != nil
    }
    guard up, exited == nil else {
        let stderr = process.stderrText.suffix(2000)
        process.terminateAndReap()
        let why = exited.map { "exited \($0)" } ?? "no listener on port \(port) after \(readyTimeout)s"
        throw HarnessError.notReady("\(command.joined(separator: " ")): \(why); stderr: \(stderr)")
    }
    return SpawnedDaemon(process: process, port: port)
}

extension String {
    /// Replaces every occurrence of `target` (Foundation-free).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

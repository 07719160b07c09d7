import Foundation
import Harness

/// One server's state in `show stat`: "UP", "DOWN", "UP 1/2", "MAINT", ...
public struct ServerStatus: Sendable, Codable, Equatable {
    /// Wall-clock seconds (since 1970) when it was read.
    public var at: Double
    public var server: String
    public var status: String

    public init(at: Double, server: String, status: String) {
        self.at = at
        self.server = server
        self.status = status
    }
}

/// HAProxy's stats socket.
enum HAProxyStats {
    /// Parses `show stat` CSV: the servers of `backend` and their `status`
    /// column (found by the header, not by position).
    static func parse(_ csv: String, backend: String = "hosts") -> [String: String] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first(where: { $0.hasPrefix("# ") }) else { return [:] }
        let columns = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let px = columns.firstIndex(of: "pxname"), let sv = columns.firstIndex(of: "svname"),
              let st = columns.firstIndex(of: "status") else { return [:] }
        var out: [String: String] = [:]
        for line in lines where !line.hasPrefix("#") {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count > max(px, sv, st), f[px] == backend, f[sv] != "BACKEND" else { continue }
            out[f[sv]] = f[st]
        }
        return out
    }

    static func read(socket: String) throws -> [String: String] {
        parse(try Sys.unixExchange(socket, "show stat\n", timeout: 1))
    }

    /// The backend's totals of `wretr` (retried connections) and `wredis`
    /// (redispatches to another server): what the balancer hid from the client.
    static func parseRetries(_ csv: String, backend: String = "hosts") -> (retries: Int, redispatches: Int) {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first(where: { $0.hasPrefix("# ") }) else { return (0, 0) }
        let columns = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let px = columns.firstIndex(of: "pxname"), let sv = columns.firstIndex(of: "svname"),
              let r = columns.firstIndex(of: "wretr"), let d = columns.firstIndex(of: "wredis") else { return (0, 0) }
        for line in lines where !line.hasPrefix("#") {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count > max(px, sv, r, d), f[px] == backend, f[sv] == "BACKEND" else { continue }
            return (Int(f[r]) ?? 0, Int(f[d]) ?? 0)
        }
        return (0, 0)
    }

    static func readRetries(socket: String) -> (retries: Int, redispatches: Int)? {
        (try? Sys.unixExchange(socket, "show stat\n", timeout: 1)).map { parseRetries($0) }
    }
}

/// Polls the stats socket every `interval` and keeps each change of a server's status.
final class StatsPoller: @unchecked Sendable {
    let socket: String
    let interval: Double
    private let changes = Locked<[ServerStatus]>([])
    private let latest = Locked<[String: String]>([:])
    private let stopped = Locked(false)
    private let done = Locked(false)

    init(socket: String, interval: Double = 0.1) {
        self.socket = socket
        self.interval = interval
    }

    func start() {
        Thread.detachNewThread { [self] in
            while !stopped.value {
                poll()
                Sys.sleep(interval)
            }
            done.withLock { $0 = true }
        }
    }

    /// Reads once now (also used at the end of the run).
    func poll() {
        guard let now = try? HAProxyStats.read(socket: socket) else { return }
        let t = Date().timeIntervalSince1970
        let before = latest.value
        for (server, status) in now.sorted(by: { $0.key < $1.key }) where before[server] != status {
            changes.withLock { $0.append(ServerStatus(at: t, server: server, status: status)) }
        }
        latest.withLock { $0 = now }
    }

    func stop() {
        stopped.withLock { $0 = true }
        _ = waitUntil(timeout: 2) { done.value }
        poll()
    }

    var history: [ServerStatus] { changes.value }
    var current: [String: String] { latest.value }

    /// Waits until `server` reads exactly "UP"; false after `timeout`.
    func waitUp(_ server: String, timeout: Double) -> Bool {
        waitUntil(timeout: timeout) { current[server] == "UP" }
    }
}

/// The daemon's readiness contract, one stdout line:
/// `preforkd ready pid=<master pid> url=http://<host>:<port>/ workers=<n>`.
public struct ReadyLine: Sendable, Equatable {
    /// The master's pid as the daemon reports it.
    public var pid: Int32
    /// The URL from the line, e.g. `http://127.0.0.1:8080/`.
    public var url: String
    /// Host part of the URL.
    public var host: String
    /// Port part of the URL.
    public var port: Int
    /// Number of workers the daemon says it started.
    public var workers: Int

    public init(pid: Int32, url: String, host: String, port: Int, workers: Int) {
        self.pid = pid
        self.url = url
        self.host = host
        self.port = port
        self.workers = workers
    }

    /// Parses a ready line; nil if `line` does not follow the contract exactly
    /// (extra whitespace at the ends is tolerated).
    public static func parse(_ line: String) -> ReadyLine? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5, fields[0] == "preforkd", fields[1] == "ready" else { return nil }
        guard let pidText = value(fields[2], key: "pid"), let pid = Int32(pidText), pid > 0,
              let url = value(fields[3], key: "url"),
              let workersText = value(fields[4], key: "workers"), let workers = Int(workersText), workers >= 0
        else { return nil }
        guard let (host, port) = hostPort(url) else { return nil }
        return ReadyLine(pid: pid, url: url, host: host, port: port, workers: workers)
    }

    private static func value(_ field: Substring, key: String) -> String? {
        let prefix = key + "="
        guard field.hasPrefix(prefix) else { return nil }
        let rest = field.dropFirst(prefix.count)
        return rest.isEmpty ? nil : String(rest)
    }

    /// Splits `http://host:port/` into host and port (IPv6 in brackets allowed).
    private static func hostPort(_ url: String) -> (String, Int)? {
        guard url.hasPrefix("http://"), url.hasSuffix("/") else { return nil }
        let authority = url.dropFirst("http://".count).dropLast()
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        var host = authority[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, let port = Int(authority[authority.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}

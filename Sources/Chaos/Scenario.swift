import Foundation

/// A scenario file (chaos/scenarios/NAME.json): every field optional; what
/// it sets overrides the defaults, explicit flags override it.
public struct Scenario: Codable, Sendable, Equatable {
    public var name: String?
    public var description: String?
    public var duration: Double?
    public var seed: UInt64?
    public var workers: Int?
    public var lifetime: Int?
    public var lifetimeJitter: Int?
    public var concurrency: Int?
    public var loadThreads: Int?
    public var rate: Double?
    public var keepAlive: Bool?
    public var faults: [String]?
    public var killEvery: Double?
    public var shutdown: [String]?
    public var timeout: Double?
    public var gracefulTimeout: Double?
    public var extraArgs: [String]?
    public var respawnDeadline: Double?
    /// Seconds each log-stall, slowloris-flood or fd-limit fault lasts.
    public var environmentLength: Double?
    /// The load goes through the fault proxy (benign toxics).
    public var proxy: Bool?

    /// Decodes a scenario, rejecting unknown keys so a typo is not silently ignored.
    public static func parse(_ data: Data, name fallback: String? = nil) throws -> Scenario {
        let known = Set(["name", "description", "duration", "seed", "workers", "lifetime", "lifetimeJitter",
                         "concurrency", "loadThreads", "rate", "keepAlive", "faults", "killEvery", "shutdown", "timeout",
                         "gracefulTimeout", "extraArgs", "respawnDeadline", "environmentLength", "proxy"])
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ChaosSetupError("scenario is not a JSON object")
        }
        if let bad = obj.keys.sorted().first(where: { !known.contains($0) }) {
            throw ChaosSetupError("scenario: unknown key '\(bad)'")
        }
        var s = try JSONDecoder().decode(Scenario.self, from: data)
        if s.name == nil { s.name = fallback }
        _ = try s.faults.map(FaultKind.parseList)
        _ = try s.shutdown.map { try $0.map(ShutdownSignal.validate) }
        return s
    }

    /// Loads `path`; a bare name is looked up in chaos/scenarios/.
    public static func load(_ pathOrName: String) throws -> Scenario {
        var path = pathOrName
        if !path.contains("/") && !path.hasSuffix(".json") { path = "\(defaultDirectory)/\(path).json" }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChaosSetupError("cannot read scenario \(path)")
        }
        let base = (path as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
        do { return try parse(data, name: base) } catch let e as ChaosSetupError {
            throw ChaosSetupError("\(path): \(e.description)")
        }
    }

    /// chaos/scenarios under the working directory, else under the package
    /// root above the running binary (.build*/CONFIG/chaos-run), so `--list`
    /// and `--scenario NAME` work from anywhere in a checkout; an installed
    /// chaos-run (PREFIX/bin) reads PREFIX/share/preforkd/scenarios (the .deb's).
    public static var defaultDirectory: String {
        let local = "chaos/scenarios"
        if FileManager.default.fileExists(atPath: local) { return local }
        var dir = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let installed = (dir as NSString).deletingLastPathComponent + "/../share/preforkd/scenarios"
        if FileManager.default.fileExists(atPath: installed) { return (installed as NSString).standardizingPath }
        for _ in 0..<4 {
            dir = (dir as NSString).deletingLastPathComponent
            let candidate = dir + "/" + local
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return local
    }

    /// Scenario files in `directory`, sorted, with their descriptions.
    public static func list(directory: String = defaultDirectory) -> [(name: String, description: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().map { f in
            let s = try? load("\(directory)/\(f)")
            return (String(f.dropLast(5)), s?.description ?? "(unreadable)")
        }
    }
}

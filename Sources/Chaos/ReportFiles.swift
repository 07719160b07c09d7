import Foundation

extension ChaosReport {
    /// Writes the JSON report to `path` (nil: chaos/reports/<timestamp>-<seed>.json)
    /// and returns the path written.
    @discardableResult
    public func writeJSON(to path: String?) throws -> String {
        let p = path ?? defaultReportPath()
        let dir = (p as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes the JUnit XML to `path`.
    public func writeJUnit(to path: String) throws {
        try Data(renderJUnit().utf8).write(to: URL(fileURLWithPath: path))
    }

    private func defaultReportPath() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "chaos/reports/\(f.string(from: Date()))-\(seed).json"
    }
}

extension History {
    /// Saves the history as JSON (large: every request and sample).
    public func write(to path: String) throws {
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path))
    }

    /// Loads a saved history, to judge it again.
    public static func read(from path: String) throws -> History {
        try JSONDecoder().decode(History.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

import Chaos
import Foundation

/// The end-of-run report: verdicts plus the figures behind them.
public struct FleetReport: Codable, Sendable {
    public var seed: UInt64
    public var duration: Double
    public var hosts: Int
    public var verdicts: [Verdict]
    public var gets: Int
    public var failedGets: Int
    public var posts: Int
    public var failedPosts: Int
    public var faultCounts: [String: Int]
    public var faults: [FleetFault]
    public var problems: [String]
    public var reproduce: String
    public var reportDir: String

    public var failed: Int { verdicts.filter { $0.status == .fail }.count }
    public var passed: Int { verdicts.filter { $0.status == .pass }.count }
    public var skipped: Int { verdicts.filter { $0.status == .skip }.count }
    /// 0 when nothing failed.
    public var exitCode: Int32 { failed == 0 ? 0 : 1 }

    public func renderText() -> String {
        var out = [""] + Verdict.table(verdicts, idWidth: 18) + [""]
        out.append("requests: \(gets) GETs (\(failedGets) failed), \(posts) POSTs (\(failedPosts) failed)")
        out.append("faults: \(faults.count) on hosts; "
            + faultCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for p in problems { out.append("problem: \(p)") }
        out.append("logs and reports: \(reportDir)")
        out.append("seed: \(seed)")
        out.append("reproduce: \(reproduce)")
        out.append("\(passed) passed, \(failed) failed, \(skipped) skipped")
        return out.joined(separator: "\n")
    }

    public func renderJUnit() -> String {
        Verdict.junit(suite: "fleet-run", classname: "fleet", verdicts: verdicts, seed: seed, reproduce: reproduce,
                      duration: duration)
    }

    /// Writes report.json and junit.xml into the report directory.
    public func write() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: URL(fileURLWithPath: "\(reportDir)/report.json"))
        try Data(renderJUnit().utf8).write(to: URL(fileURLWithPath: "\(reportDir)/junit.xml"))
    }
}

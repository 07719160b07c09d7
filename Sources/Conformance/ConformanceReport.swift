import Foundation

/// One case's result.
public struct CaseResult: Sendable, Codable {
    public var id: String
    public var section: Section
    public var reference: String
    public var level: Level
    public var sends: String
    public var passes: String
    /// "PASS", "FAIL" or "SKIP".
    public var outcome: String
    /// FAIL evidence or SKIP reason.
    public var detail: String
    public var seconds: Double

    public var passed: Bool { outcome == "PASS" }
    public var failed: Bool { outcome == "FAIL" }
    public var skipped: Bool { outcome == "SKIP" }
}

/// Per-section tallies.
public struct SectionSummary: Sendable, Codable {
    public var section: Section
    public var passed = 0, failed = 0, skipped = 0
    /// Failures of MUST cases.
    public var mustFailed = 0
}

/// The results of a run, in table order.
public struct ConformanceReport: Sendable, Codable {
    public var target: String
    public var hasEcho: Bool
    public var strict: Bool
    public var results: [CaseResult]

    public var passed: Int { results.filter(\.passed).count }
    public var failed: Int { results.filter(\.failed).count }
    public var skipped: Int { results.filter(\.skipped).count }
    public var mustFailures: [CaseResult] { results.filter { $0.failed && $0.level == .must } }
    public var shouldFailures: [CaseResult] { results.filter { $0.failed && $0.level == .should } }

    /// True when no MUST case failed (and, in strict mode, no SHOULD case).
    public var ok: Bool { mustFailures.isEmpty && (!strict || shouldFailures.isEmpty) }

    public var sections: [SectionSummary] {
        Section.allCases.compactMap { s in
            let rs = results.filter { $0.section == s }
            guard !rs.isEmpty else { return nil }
            var sum = SectionSummary(section: s)
            sum.passed = rs.filter(\.passed).count
            sum.failed = rs.filter(\.failed).count
            sum.skipped = rs.filter(\.skipped).count
            sum.mustFailed = rs.filter { $0.failed && $0.level == .must }.count
            return sum
        }
    }

    /// "N passed, N failed" (+ ", N skipped" when any): the closing line.
    public var closingLine: String {
        "\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "")
    }

    /// One line per case.
    public static func line(_ r: CaseResult) -> String {
        var s = "\(r.outcome) \(r.id)  [\(r.reference), \(r.level.rawValue)]"
        if !r.detail.isEmpty { s += " — " + (r.failed ? "seen: " : "") + r.detail }
        return s
    }

    /// The per-section summary lines.
    public var summaryLines: [String] {
        sections.map { s in
            "section \(s.section.rawValue): \(s.passed) passed, \(s.failed) failed (\(s.mustFailed) MUST)"
                + (s.skipped > 0 ? ", \(s.skipped) skipped" : "")
        }
    }

    /// Pretty JSON of the whole report.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    /// JUnit XML: one testsuite per section, SHOULD failures as failures too.
    public func junit() -> String {
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuites name=\"conformance\" tests=\"\(results.count)\" failures=\"\(failed)\" skipped=\"\(skipped)\">\n"
        for s in sections {
            let rs = results.filter { $0.section == s.section }
            x += "  <testsuite name=\"\(s.section.rawValue)\" tests=\"\(rs.count)\" failures=\"\(s.failed)\" skipped=\"\(s.skipped)\">\n"
            for r in rs {
                x += "    <testcase classname=\"\(s.section.rawValue)\" name=\"\(xml(r.id))\" time=\"\(r.seconds)\">"
                if r.failed {
                    x += "<failure message=\"\(xml(r.level.rawValue + ": " + r.detail))\">\(xml(r.reference + "; passes: " + r.passes))</failure>"
                } else if r.skipped {
                    x += "<skipped message=\"\(xml(r.detail))\"/>"
                }
                x += "</testcase>\n"
            }
            x += "  </testsuite>\n"
        }
        return x + "</testsuites>\n"
    }

    private func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

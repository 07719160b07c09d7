@preconcurrency import Glibc
import ArgumentParser
import Conformance
import Foundation
import Harness
import PreforkVersion

/// `conformance-run`: the HTTP/1.1 conformance table against a URL, a spawned
/// command, or (default) the preforkd built next to this binary.
@main
struct ConformanceRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance-run",
        abstract: "Run the numbered HTTP/1.1 conformance cases (RFC 9112/9110) against a server.",
        discussion: """
            conformance-run --url http://127.0.0.1:PORT/
            conformance-run -- COMMAND ARGS... {port} ...   ({port} is replaced by a free port)
            conformance-run                                  (spawns ./preforkd next to this binary)
            Exit 0 iff no MUST case failed (no SHOULD either with --strict).
            """,
        version: PreforkVersion.string)

    @Option(help: "Base URL of a running server.") var url: String?
    @Option(help: "Only this section (repeatable): request-line, host, fields, content-length, transfer-encoding, persistence, robustness.")
    var section: [String] = []
    @Option(name: .customLong("case"), help: "Only this case id (repeatable; trailing * = prefix).") var cases: [String] = []
    @Flag(help: "SHOULD failures fail the run too.") var strict = false
    @Option(help: "Write the report as JSON to FILE.") var json: String?
    @Option(help: "Write the report as JUnit XML to FILE.") var junit: String?
    @Option(help: "Seconds per case (hard limit).") var timeout: Double = 5
    @Option(help: "Seconds the slowloris case waits for the server to close.") var slowlorisWait: Double = 10
    @Option(help: "Idle connections opened by the starvation case.") var idleConnections = 1000
    @Option(help: "Cases run at once.") var parallel = 8
    @Flag(help: "List the cases (id, level, reference, what is sent, what passes) and exit.") var list = false
    @Argument(parsing: .postTerminator, help: "Server command after --; {port} is replaced by a free port.")
    var command: [String] = []

    func run() throws {
        if list { return printList() }
        var options = ConformanceOptions()
        options.sections = section
        options.cases = cases
        options.strict = strict
        options.caseTimeout = timeout
        options.slowlorisWait = slowlorisWait
        options.idleConnections = idleConnections
        options.parallelism = parallel
        let known = Set(Section.allCases.map(\.rawValue))
        if let bad = section.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown section \(bad); known: \(known.sorted().joined(separator: ", "))")
        }
        let target = try Target.start(url: url, command: command.first == "--" ? Array(command.dropFirst()) : command)
        defer { target.stop() }
        print("target \(target.url)\(target.what.isEmpty ? "" : " (\(target.what))")")
        let report = try runConformance(baseURL: target.url, options: options) { r in
            print(ConformanceReport.line(r))
            fflush(stdout)
        }
        try write(report)
        if !report.hasEcho { print("note: no /__fault/echo endpoint; echo cases skipped") }
        for line in report.summaryLines { print(line) }
        print(report.closingLine)
        fflush(stdout)
        if !report.ok { throw ExitCode(1) }
    }

    func write(_ report: ConformanceReport) throws {
        if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
        if let junit { try report.junit().write(toFile: junit, atomically: true, encoding: .utf8) }
    }

    func printList() {
        let all = CaseTable.select(sections: section, cases: cases)
        for c in all {
            print("\(c.id)  [\(c.section.rawValue), \(c.reference), \(c.level.rawValue)\(c.needsEcho ? ", echo" : "")]")
            print("    sends:  \(c.sends)\n    passes: \(c.passes)")
        }
        print("\(all.count) cases")
    }
}

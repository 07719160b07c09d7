import Conformance
import Foundation
import Glibc
import Harness
import Testing

/// The whole conformance table against the built preforkd (the same flags
/// conformance-run's built-in target uses, with a --root whose index.html has
/// validators so the 304 case runs): 0 MUST and 0 SHOULD failures, nothing skipped.
@Suite(.serialized) struct ConformanceRunTests {
    /// preforkd beside the test bundle (.build/<config>/preforkd).
    static func preforkdPath() throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let dir = (exe as NSString).deletingLastPathComponent
        for candidate in [dir + "/preforkd", (dir as NSString).deletingLastPathComponent + "/preforkd"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw HarnessError.notReady("preforkd not found beside \(exe); run swift build first")
    }

    /// A fresh root with one index.html; the caller removes it.
    static func makeRoot() throws -> String {
        let dir = NSTemporaryDirectory() + "conformance-it-\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1e6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try "<!doctype html><p>conformance\n".write(toFile: dir + "/index.html", atomically: false, encoding: .utf8)
        return dir
    }

    @Test(.timeLimit(.minutes(1))) func preforkdPassesEveryMustAndShould() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let p = try SpawnedProcess.spawn(try Self.preforkdPath(),
                                         ["--port", "0", "--fault-injection", "--lifetime", "0", "--header-timeout", "2",
                                          "--root", root],
                                         deadline: 60)
        defer {
            p.signal(SIGTERM)
            if p.wait(timeout: 3) == nil { p.terminateAndReap() }
        }
        let ready = try p.waitReady(timeout: 20)

        var options = ConformanceOptions()
        options.slowlorisWait = 4  // --header-timeout 2 closes the trickled head after ~2 s
        options.strict = true
        let started = Date()
        let report = try runConformance(baseURL: ready.url, options: options)
        let failed = report.results.filter(\.failed)
            .map { "\($0.level.rawValue) \($0.id): \($0.detail)" }.joined(separator: "\n")
        let skipped = report.results.filter(\.skipped).map { "\($0.id): \($0.detail)" }.joined(separator: "\n")

        #expect(report.hasEcho, "the echo probe failed: --fault-injection not honoured?")
        #expect(report.results.count == CaseTable.all.count)
        #expect(report.mustFailures.isEmpty, "MUST failures:\n\(failed)")
        #expect(report.shouldFailures.isEmpty, "SHOULD failures:\n\(failed)")
        #expect(report.skipped == 0, "skipped:\n\(skipped)")
        #expect(report.closingLine == "\(CaseTable.all.count) passed, 0 failed")
        #expect(Date().timeIntervalSince(started) < 30, "the table took \(Date().timeIntervalSince(started)) s")
    }
}

import Foundation
import Glibc
import Harness
import Testing

/// Short fleets through the built fleet-run (root, haproxy): a clean run must
/// PASS; with the planted defect no-drain-report, drain-respected must FAIL.
/// Afterwards no namespace of the run may be left.
@Suite(.serialized) struct FleetRunTests {
    static let ready = geteuid() == 0
        && ["/usr/sbin/haproxy", "/usr/bin/haproxy"].contains { (path: String) in FileManager.default.isExecutableFile(atPath: path) }

    static var fleetRun: String { (PreforkdBinary.path as NSString).deletingLastPathComponent + "/fleet-run" }

    /// Runs fleet-run; returns its exit status, stdout and the parsed report.
    func fleet(_ args: [String]) throws -> (status: TerminationStatus?, out: String, report: [String: Any], pid: Int32) {
        let dir = NSTemporaryDirectory() + "fleet-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try SpawnedProcess.spawn(Self.fleetRun, args + ["--quiet", "--report-dir", dir], deadline: 120)
        var lines: [String] = []
        while let line = p.readLine(timeout: 110) { lines.append(line) }
        let status = p.wait(timeout: 10)
        let data = (try? Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))) ?? Data("{}".utf8)
        let report = (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, lines.joined(separator: "\n") + "\nstderr: " + p.stderrText, report, p.pid)
    }

    func verdict(_ report: [String: Any], _ id: String) -> String? {
        ((report["verdicts"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == id }?["status"] as? String
    }

    func namespacesLeft(_ pid: Int32) throws -> [String] {
        let p = try SpawnedProcess.spawn("ip", ["netns", "list"], deadline: 10, newProcessGroup: false)
        var names: [String] = []
        while let line = p.readLine(timeout: 5) { names.append(line) }
        _ = p.wait(timeout: 5)
        return names.filter { $0.hasPrefix("pfk-\(pid)-") }
    }

    @Test(.enabled(if: ready, "needs root and haproxy: fleet-run builds network namespaces and runs HAProxy"))
    func shortFleetPasses() throws {
        let r = try fleet(["--duration", "12", "--fault-interval", "2.5", "--seed", "20261202",
                           "--faults", "host-kill,partition,slow-host,rolling-upgrade"])
        #expect(r.status == .exited(0), "\(r.out)")
        for id in ["fleet-availability", "at-most-once-post", "capacity-restored", "host-processes"] {
            #expect(verdict(r.report, id) == "PASS", "\(id): \(r.out)")
        }
        #expect(((r.report["faults"] as? [Any])?.count ?? 0) >= 2, "\(r.out)")
        #expect(try namespacesLeft(r.pid).isEmpty)
    }

    @Test(.enabled(if: ready, "needs root and haproxy: fleet-run builds network namespaces and runs HAProxy"))
    func noDrainReportFailsDrainRespected() throws {
        let r = try fleet(["--duration", "12", "--fault-interval", "3", "--seed", "7", "--faults", "rolling-restart",
                           "--extra-arg", "--planted-defect no-drain-report"])
        #expect(r.status == .exited(1), "\(r.out)")
        #expect(verdict(r.report, "drain-respected") == "FAIL", "\(r.out)")
        #expect(try namespacesLeft(r.pid).isEmpty)
    }
}

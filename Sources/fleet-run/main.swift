import ArgumentParser
import Fleet
import Foundation
import PreforkVersion

/// fleet-run: N preforkd hosts behind HAProxy in network namespaces, seeded
/// whole-host faults and rolling changes under load, judged end to end.
/// Exit 0 all pass, 1 a FAIL, 2 usage or setup error.
@main
struct FleetRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-run",
        abstract: "Run a preforkd fleet behind HAProxy (root, Linux) under faults and judge invariants.",
        discussion: "Needs root (ip netns), iproute2 (ip, tc) and haproxy. Namespaces are named pfk-<pid>-<role> "
            + "and removed on exit, on INT/TERM, and by the next run after a crash.",
        version: PreforkVersion.string)

    @Option(help: "Seconds of load and faults (default 60).") var duration: Double = 60
    @Option(help: "PRNG seed; same seed, same fault plan.") var seed: UInt64 = 20261202
    @Option(help: "preforkd hosts (default 3).") var hosts: Int = 3
    @Option(name: .customLong("fault-interval"), help: "Mean seconds between faults (default 10).") var faultInterval: Double = 10
    @Option(help: "Comma list: host-kill,host-freeze,partition,slow-host,rolling-upgrade,rolling-restart, or none (default all).")
    var faults: String?
    @Option(name: .customLong("report-dir"), help: "Directory for logs, report.json, junit.xml (default chaos/reports/fleet-<time>-<seed>).")
    var reportDir: String?
    @Option(name: .customLong("preforkd"), help: "preforkd binary (default: beside fleet-run).") var preforkd: String?
    @Option(help: "haproxy binary (default: haproxy in PATH).") var haproxy: String = "haproxy"
    @Option(name: .customLong("extra-arg"), parsing: .unconditionalSingleValue,
            help: "Extra preforkd argument(s), space separated (e.g. '--planted-defect no-drain-report').")
    var extraArg: [String] = []
    @Flag(help: "No live line.") var quiet = false

    func run() throws {
        Interrupts.install()
        var c = FleetConfig()
        c.duration = duration
        c.seed = seed
        c.hosts = hosts
        c.faultInterval = faultInterval
        c.reportDir = reportDir
        c.preforkdPath = preforkd
        c.haproxyPath = haproxy
        c.quiet = quiet
        c.extraArgs = extraArg.flatMap { $0.split(separator: " ").map(String.init) }
        do {
            if let f = faults { c.faults = try FleetFaultKind.parseList(f) }
            let r = try FleetRunner.run(c)
            print(r.renderText())
            try r.write()
            throw ExitCode(r.exitCode)
        } catch let e as FleetSetupError {
            FileHandle.standardError.write(Data("fleet-run: setup failed: \(e)\n".utf8))
            throw ExitCode(2)
        }
    }
}

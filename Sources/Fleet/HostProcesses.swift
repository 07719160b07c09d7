import Chaos
import Harness

/// The per-host process invariants of chaos-run, on every host: no zombie
/// outlives its master's reap turn (Harness's ZombieCheck, the rule of
/// chaos-run's no-zombies), no worker outlives its master across a rolling
/// change (Harness's OrphanCheck), and a master is alive whenever no fault
/// holds the host.
struct HostProcesses: FleetInvariant {
    let id = "host-processes"

    func check(_ h: FleetHistory) -> Verdict {
        guard h.samples.contains(where: { !$0.isEmpty }) else {
            return Verdict(id: id, status: .skip, summary: "no process samples")
        }
        var violations: [String] = []
        for (i, samples) in h.samples.enumerated() {
            violations += ZombieCheck.violations(samples).map { "h\(i): \($0)" }
        }
        for (i, missing) in h.masterMissing.enumerated() where !missing.isEmpty {
            violations.append("h\(i): no live master in \(missing.count) sample(s) outside faults, first at \(String(format: "%.3f", missing[0]))")
        }
        for f in h.faults { violations += f.orphans.map { "h\(f.host) after \(f.kind.rawValue): \($0)" } }
        let count = h.samples.map(\.count).reduce(0, +)
        return FleetInvariants.judge(id, violations: violations,
            pass: "\(count) samples over \(h.samples.count) hosts: no zombies, no orphans, a master always up outside faults",
            fail: "a host left a zombie or an orphan, or lost its master outside a fault",
            metrics: ["samples": Double(count)])
    }
}

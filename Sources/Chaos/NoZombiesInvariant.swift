/// no-zombies: the master reaps every dead worker at once. A child in state Z
/// in two consecutive samples spanning at least `Limits.zombieGrace` is a
/// violation (one sample alone may just be the moment before the master's
/// loop turn on a loaded machine).
public struct NoZombiesInvariant: Invariant {
    public let id = "no-zombies"
    public let meaning = "no child of the master stays a zombie across two samples"
    public init() {}

    public func check(_ h: History) -> Verdict {
        let samples = h.supervisedSamples
        guard !samples.isEmpty else { return Verdict(id: id, status: .skip, summary: "no process samples") }
        let grace = ns(h.info.limits.zombieGrace)
        var firstZ: [ProcKey: UInt64] = [:]
        var reported = Set<ProcKey>()
        var violations: [String] = []
        var previousZ = Set<ProcKey>()
        for s in samples {
            var nowZ = Set<ProcKey>()
            for p in s.children where p.state == "Z" {
                let k = ProcKey(p)
                nowZ.insert(k)
                let since = firstZ[k] ?? s.time
                firstZ[k] = since
                if previousZ.contains(k), s.time - since >= grace, !reported.contains(k) {
                    reported.insert(k)
                    violations.append("pid=\(p.pid) zombie since \(h.t(since)), still at \(h.t(s.time))")
                }
            }
            previousZ = nowZ
        }
        let zombieSeen = firstZ.count
        return .judge(id, violations: violations,
                      pass: "\(samples.count) samples; \(zombieSeen) transient zombie(s) reaped within grace",
                      fail: "dead workers left unreaped", metrics: ["zombies": Double(violations.count)])
    }
}

/// generations: once an old master generation is gone, none of its workers
/// answers a request sent after that (the worker's generation comes from
/// the process tree: its parent in the samples; its answer from X-Worker-Pid).
public struct GenerationsInvariant: Invariant {
    public let id = "generations"
    public let meaning = "after a hand-over no old-generation worker answers a request"
    public init() {}

    public func check(_ h: History) -> Verdict {
        guard let gens = h.generations, gens.count > 1 else {
            return Verdict(id: id, status: .skip, summary: "no hand-over to a new master generation")
        }
        guard h.hasWorkerHeaders else {
            return Verdict(id: id, status: .skip, summary: "server sends no X-Worker-Pid header")
        }
        var parent: [Int32: Int32] = [:]
        for s in h.samples { for c in s.children where parent[c.pid] == nil { parent[c.pid] = c.ppid } }
        let goneAt = Dictionary(gens.compactMap { g in g.goneAt.map { (g.pid, $0) } }, uniquingKeysWith: min)
        let current = gens.last!.pid
        var v: [String] = []
        var answered = 0
        for r in h.requests where r.outcome == .ok {
            guard let w = r.workerPid, let m = parent[w], m != current, let gone = goneAt[m] else { continue }
            answered += 1
            if r.start > gone {
                v.append("pid=\(w) of master pid=\(m) (gone at \(h.t(gone))) answered a request sent \(h.t(r.start))")
            }
        }
        return .judge(id, violations: v,
                      pass: "\(gens.count) generations; old-generation workers answered \(answered) request(s), all sent before their master left",
                      fail: "old-generation workers answered after the hand-over",
                      metrics: ["generations": Double(gens.count)])
    }
}

import Chaos

/// at-most-once-post: every POST id is in at most one host's access log, at
/// most once, and exactly once for every POST the client saw succeed.
struct AtMostOncePost: FleetInvariant {
    let id = "at-most-once-post"

    func check(_ h: FleetHistory) -> Verdict {
        let posts = h.requests.filter { $0.method == .post && $0.requestID != nil }
        guard !posts.isEmpty else { return Verdict(id: id, status: .skip, summary: "no POST was sent") }
        var seen: [String: [Int]] = [:]   // id -> hosts, once per line
        for log in h.hostLogs {
            for line in log.access where line.method == "POST" {
                if let rid = line.requestID { seen[rid, default: []].append(log.host) }
            }
        }
        var violations: [String] = []
        for (rid, hosts) in seen.sorted(by: { $0.key < $1.key }) where hosts.count > 1 {
            violations.append("POST \(rid) handled \(hosts.count) times, by " + hosts.map { "h\($0)" }.joined(separator: ", "))
        }
        let succeeded = posts.filter(\.succeeded)
        for p in succeeded where seen[p.requestID!] == nil {
            violations.append("POST \(p.requestID!) succeeded for the client but is in no host's access log")
        }
        return FleetInvariants.judge(id, violations: violations,
            pass: "\(posts.count) POSTs, each handled at most once; the \(succeeded.count) that succeeded exactly once",
            fail: "a POST was handled twice, or a success is in no log",
            metrics: ["posts": Double(posts.count), "succeeded": Double(succeeded.count)])
    }
}

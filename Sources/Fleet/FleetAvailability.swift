import Chaos

/// fleet-availability: with the balancer's retries on, no GET fails, whatever
/// happens to one host at a time. HAProxy's retry and redispatch totals
/// say how many requests would have failed without them.
struct FleetAvailability: FleetInvariant {
    let id = "fleet-availability"

    func check(_ h: FleetHistory) -> Verdict {
        let gets = h.requests.filter { $0.method == .get }
        guard !gets.isEmpty else { return Verdict(id: id, status: .skip, summary: "no GET was sent") }
        let origin = h.requests.map(\.start).min() ?? 0
        let failed = gets.filter { !$0.succeeded }
        let posts = h.requests.filter { $0.method == .post }
        let postFailures = posts.filter { !$0.succeeded }.count
        let v = failed.map { "GET at \(seconds($0.start, from: origin)) failed: status \($0.status), curl \($0.curlCode)" }
        return FleetInvariants.judge(id, violations: v,
            pass: "\(gets.count) GETs, 0 failed; HAProxy retried \(h.balancerRetries), redispatched \(h.balancerRedispatches) "
                + "(POSTs are not resent once sent: \(postFailures) of \(posts.count) failed)",
            fail: "GETs failed through the balancer",
            metrics: ["gets": Double(gets.count), "failed_gets": Double(failed.count),
                      "posts": Double(posts.count), "failed_posts": Double(postFailures),
                      "balancer_retries": Double(h.balancerRetries), "balancer_redispatches": Double(h.balancerRedispatches)])
    }
}

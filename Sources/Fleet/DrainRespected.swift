import Chaos

/// drain-respected: once a host is draining (its `drain_started` event, or
/// the stop signal the runner sent when the host never said so) and the
/// balancer has had time to notice (fall x interval + slack), no new
/// connection from the balancer reaches it (health checks aside).
struct DrainRespected: FleetInvariant {
    let id = "drain-respected"
    /// Seconds beyond fall x interval: scheduling on 2 loaded cores.
    var slack = 0.25

    func check(_ h: FleetHistory) -> Verdict {
        let stops = h.faults.filter { $0.kind == .rollingRestart }
        guard !stops.isEmpty else { return Verdict(id: id, status: .skip, summary: "no rolling restart in this run") }
        let grace = h.timing.interval * Double(h.timing.fall) + slack
        let origin = h.requests.map(\.start).min() ?? 0
        var violations: [String] = []
        var unreported = 0
        for stop in stops {
            let log = h.hostLogs.first { $0.host == stop.host } ?? HostLog(host: stop.host)
            let exited = stop.exitedAt ?? stop.end
            let reported = log.drainStarts.first { $0 >= stop.start - 0.5 && $0 <= exited }
            if reported == nil { unreported += 1 }
            let from = (reported ?? stop.start) + grace
            let late = log.access.filter {
                $0.connectionRequest == 1 && !$0.target.hasPrefix("/__health") && $0.at > from && $0.at <= exited
            }
            guard let first = late.first else { continue }
            let why = reported == nil ? "never reported draining; judged from the stop signal" : "reported draining"
            violations.append("h\(stop.host) \(why) at \(seconds(reported ?? stop.start, from: origin)); "
                + "\(late.count) new connection(s) after \(seconds(from, from: origin)), first \(first.method) \(first.target) at \(seconds(first.at, from: origin))")
        }
        return FleetInvariants.judge(id, violations: violations,
            pass: "\(stops.count) drains: no new connection \(grace)s after draining began",
            fail: "the balancer kept opening connections to a draining host",
            metrics: ["drains": Double(stops.count), "unreported": Double(unreported)])
    }
}

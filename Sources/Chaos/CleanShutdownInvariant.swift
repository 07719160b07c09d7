/// clean-shutdown: after the shutdown signal, requests already in the server
/// complete (except for QUIT, the immediate stop), the master exits 0 within
/// --graceful-timeout + slack, no descendant remains, the port refuses and
/// the pid file is gone.
public struct CleanShutdownInvariant: Invariant {
    public let id = "clean-shutdown"
    public let meaning = "in-flight requests complete, master exits 0 in time, nothing remains, port refused, pid file gone"
    public init() {}

    public func check(_ h: History) -> Verdict {
        guard let s = h.shutdown else {
            return Verdict(id: id, status: .skip, summary: "no shutdown signal was sent (master-kill run)")
        }
        var v: [String] = []
        let limit = h.info.gracefulTimeout + h.info.limits.shutdownSlack
        switch (s.masterStatus, s.exitedAt) {
        case (.exited(0)?, let at?):
            let took = Double(at - s.sentAt) / 1e9
            if took > limit {
                v.append("master pid=\(h.info.masterPid) took \(fmt(took, 2))s to exit after SIG\(s.signal) "
                    + "(limit \(fmt(limit, 1))s)")
            }
        case (let st?, _):
            v.append("master pid=\(h.info.masterPid) ended \(st) after SIG\(s.signal), expected exit:0")
        case (nil, _):
            v.append("master pid=\(h.info.masterPid) still running \(fmt(limit, 1))s after SIG\(s.signal) at \(h.t(s.sentAt))")
        }
        if s.signal != "QUIT" {
            // A probe that failed before the signal was not in flight at it
            // (e.g. it met a worker whose lifetime budget was spent).
            for p in s.probes where p.outcome != .ok && p.end > s.sentAt {
                v.append("in-flight request \(p.path) started \(h.t(p.start)) before SIG\(s.signal) at "
                    + "\(h.t(s.sentAt)) ended with curl code \(p.curlCode) status \(p.status)")
            }
        }
        for p in s.survivors where p.isLive {
            v.append("pid=\(p.pid) (ppid \(p.ppid), state \(p.state)) still alive after the master exited")
        }
        if s.portRefused == false { v.append("port \(h.info.port) still accepts connections after exit") }
        if s.pidFileRemains == true { v.append("pid file still exists after exit") }
        let took = s.exitedAt.map { fmt(Double($0 - s.sentAt) / 1e9, 2) + "s" } ?? "-"
        return .judge(id, violations: v,
                      pass: "SIG\(s.signal): \(s.probes.count) in-flight request(s) completed, master exited 0 in \(took)",
                      fail: "shutdown after SIG\(s.signal) was not clean",
                      metrics: ["shutdown_s": s.exitedAt.map { Double($0 - s.sentAt) / 1e9 } ?? -1])
    }
}

import HTTP1

/// Paths the engine answers before the handler: `/__status`, `/__metrics`
/// and `/__health` always (to loopback clients only, unless
/// `statusFromAnywhere`, or `healthFromAnywhere` for the last),
/// `/__fault/...` only with fault injection on (otherwise they are ordinary
/// paths and reach the handler).
struct BuiltinRoutes {
    let status: StatusPage
    let metrics: MetricsPage
    let health: HealthPage
    let faults: FaultInjection?
    let statusFromAnywhere: Bool
    let healthFromAnywhere: Bool

    init(config: Configuration, scoreboard: Scoreboard) {
        status = StatusPage(scoreboard: scoreboard, binary: config.resolvedBinary)
        metrics = MetricsPage(scoreboard: scoreboard)
        health = HealthPage(scoreboard: scoreboard, reportsDraining: config.knobs.reportsDraining)
        faults = config.faultInjection ? FaultInjection(scoreboard: scoreboard) : nil
        statusFromAnywhere = config.statusFromAnywhere
        healthFromAnywhere = config.statusFromAnywhere || config.healthFromAnywhere
    }

    func route(_ request: Request, context: RequestContext) -> Reply? {
        guard request.path.hasPrefix("/__") else { return nil }  // the common case: one prefix check
        if request.path == HealthPage.path {
            guard request.method == "GET" || request.method == "HEAD" else { return nil }
            guard Self.mayReadStatus(peer: context.peer, fromAnywhere: healthFromAnywhere) else { return Reply(Self.notFound) }
            return Reply(health.render())
        }
        if request.path == "/__status" || request.path == "/__metrics" {
            guard request.method == "GET" || request.method == "HEAD" else { return nil }
            // Pids, counts and uptime are nobody else's business: to anyone
            // else the page does not exist.
            guard Self.mayReadStatus(peer: context.peer, fromAnywhere: statusFromAnywhere) else { return Reply(Self.notFound) }
            return Reply(request.path == "/__status" ? status.render() : metrics.render())
        }
        if let faults, request.path.hasPrefix(FaultInjection.prefix) {
            return faults.route(request)
        }
        return nil
    }

    /// The loopback rule: 127.0.0.0/8 and ::1 (also IPv4-mapped) may read
    /// the status and metrics pages; others only with `--status-from-anywhere`.
    static func mayReadStatus(peer: PeerAddress, fromAnywhere: Bool) -> Bool {
        fromAnywhere || peer.isLoopback
    }

    static let notFound = Response(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                   body: Array("404 Not Found\n".utf8))
}

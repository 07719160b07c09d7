import HTTP1

/// Paths the engine answers before the handler: `/__status` always,
/// `/__fault/...` only with fault injection on (otherwise they are ordinary
/// paths and reach the handler).
struct BuiltinRoutes {
    let status: StatusPage
    let faults: FaultInjection?

    init(config: Configuration, scoreboard: Scoreboard) {
        status = StatusPage(scoreboard: scoreboard)
        faults = config.faultInjection ? FaultInjection(scoreboard: scoreboard) : nil
    }

    func route(_ request: Request, context: RequestContext) -> Reply? {
        guard request.path.hasPrefix("/__") else { return nil }  // the common case: one prefix check
        if request.path == "/__status" && (request.method == "GET" || request.method == "HEAD") {
            return Reply(status.render())
        }
        if let faults, request.path.hasPrefix(FaultInjection.prefix) {
            return faults.route(request)
        }
        return nil
    }
}

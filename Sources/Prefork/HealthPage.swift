import HTTP1

/// `GET /__health`, for load balancers and readiness probes: `200 ready`
/// while this generation serves, `503 draining` once its master began a stop
/// (including `--drain-delay`) or handed over to an upgrade's new master. A
/// balancer that sees 503 stops sending new connections here while the
/// workers still answer everything that arrives.
///
/// Asked every few hundred milliseconds by every balancer, so it is one
/// scoreboard load and a prebuilt response: no allocation beyond the reply.
struct HealthPage {
    static let path = "/__health"

    let scoreboard: Scoreboard
    /// false only under the planted defect `no-drain-report`.
    let reportsDraining: Bool

    func render() -> Response {
        reportsDraining && scoreboard.isDraining ? Self.draining : Self.ready
    }

    /// Never cached: a cached 200 would hide the drain.
    static let ready = Response(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
                                body: Array("ready\n".utf8))
    static let draining = Response(status: 503, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
                                   body: Array("draining\n".utf8))
}

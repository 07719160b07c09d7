import HTTP1
import Prefork

/// The seed's response: `This child has served <i> requests.` The engine adds
/// the X-Worker-Pid / X-Worker-Served / X-Worker-Slot headers.
struct SeedHandler: RequestHandler {
    mutating func handle(_ request: Request, context: RequestContext) -> Reply {
        let body = "This child has served \(context.served) requests.\n"
        return Reply(Response(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(body.utf8)))
    }
}

@preconcurrency import Glibc
import HTTP1

/// `--fault-injection` endpoints: the faults the chaos suite makes a worker
/// suffer on purpose. Off by default; never enable it in production.
struct FaultInjection {
    static let prefix = "/__fault/"
    let scoreboard: Scoreboard

    func route(_ request: Request) -> Reply? {
        let query = Query(request.query)
        switch request.path.dropFirst(Self.prefix.count) {
        case "sleep":
            let ms = min(max(query.int("ms") ?? 100, 0), 600_000)
            return Reply(text(200, "slept \(ms) ms\n"), after: .milliseconds(ms))
        case "crash":
            abort()  // SIGABRT: the master must count a crash and respawn
        case "hang":
            hang()
        case "exit":
            _exit(Int32(clamping: query.int("code") ?? 1))
        case "echo":
            return Reply(Response(status: 200, headers: [("Content-Type", "application/octet-stream")], body: request.body))
        case "boot-fail":
            let on = query.int("on") ?? 1
            scoreboard[.bootFailFlag] = on != 0 ? 1 : 0
            return Reply(text(200, "boot-fail \(on != 0 ? "on" : "off")\n"))
        default:
            return Reply(text(404, "unknown fault\n"))
        }
    }

    /// Spins without returning to the loop, so the heartbeat stops; only the
    /// master's --timeout ends it.
    private func hang() -> Never {
        var counter: UInt64 = 0
        while true {
            counter &+= 1
            if counter & 0xFFFFF == 0 { sched_yield() }
        }
    }

    private func text(_ status: Int, _ body: String) -> Response {
        Response(status: status, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
    }
}

/// A minimal query-string reader for the fault endpoints' integer arguments.
struct Query {
    private var pairs: [(String, String)] = []

    init(_ query: String?) {
        guard let query else { return }
        for part in query.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1)
            pairs.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
        }
    }

    func int(_ name: String) -> Int? {
        pairs.first { $0.0 == name }.flatMap { Int($0.1) }
    }
}

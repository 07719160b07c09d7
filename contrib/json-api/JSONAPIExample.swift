// A tiny JSON API on the Prefork library: what embedding looks like.
//
//   swift run json-api-example --port 8080
//   curl -s http://127.0.0.1:8080/v1/hello?name=ada
//   curl -s -d '{"a":1}' http://127.0.0.1:8080/v1/echo
//
// The engine owns sockets, parsing, keep-alive, workers, /__status and
// /__metrics; the handler only maps a request to a response.
@preconcurrency import Glibc
import HTTP1
import Prefork

/// Routes: GET /v1/health, GET /v1/hello?name=..., POST /v1/echo (a JSON body
/// back, wrapped). Anything else is a JSON 404 or 405.
struct JSONAPI: RequestHandler {
    var bootedAt = 0

    mutating func boot(_ worker: WorkerIdentity) throws {
        bootedAt = Int(time(nil))  // per-worker state lives here, set up once after fork
    }

    mutating func handle(_ request: Request, context: RequestContext) -> Reply {
        switch (request.method, request.path) {
        case ("GET", "/v1/health"), ("HEAD", "/v1/health"):
            return json(200, #"{"ok":true,"worker":\#(context.worker.pid),"served":\#(context.served)}"#)
        case ("GET", "/v1/hello"):
            let name = Self.queryValue("name", in: request.query) ?? "world"
            return json(200, #"{"hello":\#(Self.jsonString(name)),"client":\#(Self.jsonString(context.peer.host))}"#)
        case ("POST", "/v1/echo"):
            guard request.headers["Content-Type"]?.hasPrefix("application/json") ?? true else {
                return json(415, #"{"error":"send application/json"}"#)
            }
            return json(200, #"{"received":\#(request.body.count),"echo":\#(Self.jsonString(String(decoding: request.body, as: UTF8.self)))}"#)
        case (_, "/v1/health"), (_, "/v1/hello"), (_, "/v1/echo"):
            return json(405, #"{"error":"method not allowed"}"#)
        default:
            return json(404, #"{"error":"not found","path":\#(Self.jsonString(request.path))}"#)
        }
    }

    private func json(_ status: Int, _ body: String) -> Reply {
        Reply(Response(status: status, headers: [("Content-Type", "application/json")], body: Array((body + "\n").utf8)))
    }

    /// The first `key=value` in a query string (no percent-decoding: an example).
    static func queryValue(_ key: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 && parts[0] == key { return String(parts[1]) }
        }
        return nil
    }

    /// A JSON string literal with the required escapes.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// `json-api-example [--port N] [--workers N]`; prints preforkd's ready line.
@main
enum JSONAPIExample {
    static func main() {
        var config = Configuration()
        config.port = 8080
        config.workers = 2
        config.lifetime = 0  // no recycling: this handler leaks nothing
        var args = CommandLine.arguments.dropFirst()
        while let flag = args.popFirst() {
            guard let value = args.popFirst().flatMap(Int.init) else { usage("\(flag) needs a number") }
            switch flag {
            case "--port": config.port = value
            case "--workers": config.workers = value
            default: usage("unknown flag \(flag)")
            }
        }
        // Synchronous main, no threads before this call: the master forks.
        exit(Server(configuration: config).run(handler: JSONAPI()))
    }

    static func usage(_ message: String) -> Never {
        fputs("json-api-example: \(message) (usage: json-api-example [--port N] [--workers N])\n", stderr)
        exit(64)
    }
}

import HTTP1
import Prefork

/// The seed's response: `This child has served <i> requests.` The engine adds
/// the X-Worker-Pid / X-Worker-Served / X-Worker-Slot headers.
struct SeedHandler: RequestHandler {
    /// Built once: each response shares this field list (no array per request).
    static let headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")])
    static let prefix = Array("This child has served ".utf8)
    static let suffix = Array(" requests.\n".utf8)

    mutating func handle(_ request: Request, context: RequestContext) -> Reply {
        Reply(Response(status: 200, headers: Self.headers, body: Self.body(served: context.served)))
    }

    /// The body bytes, with the count's digits written directly (no String interpolation).
    static func body(served: Int) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(prefix.count + 20 + suffix.count)
        body += prefix
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var n = served.magnitude, i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: n % 10) + UInt8(ascii: "0")
                n /= 10
            } while n > 0
            if served < 0 { body.append(UInt8(ascii: "-")) }
            body.append(contentsOf: d[i...])
        }
        body += suffix
        return body
    }
}

/// What a case needs to know about the target server while it runs.
public struct CaseContext: Sendable {
    /// IPv4 literal of the server.
    public var host: String
    public var port: Int
    /// Value for Host header fields: "127.0.0.1:PORT".
    public var authority: String { "\(host):\(port)" }
    /// Path for plain GETs (from --url).
    public var path: String
    /// Whether the server has `/__fault/echo` (probed once).
    public var hasEcho: Bool
    public var options: ConformanceOptions

    /// Where framing cases POST: the echo endpoint when present, else `path`.
    public var echoPath: String { hasEcho ? "/__fault/echo" : path }

    var exchange: Exchange {
        Exchange(host: host, port: port, timeout: options.caseTimeout, quiet: options.quiet)
    }
}

/// A raw-bytes case: what to send and how to judge what comes back.
struct RawSpec: Sendable {
    /// The bytes to send, built from the context (host, echo path).
    var request: @Sendable (CaseContext) -> [UInt8]
    /// Per expected response: was its request HEAD.
    var heads: [Bool]
    /// Responses to wait for before the quiet window starts.
    var expected: Int
    /// Half-close after sending (incomplete-message cases).
    var shutdownWrite = false
    var judge: Judge
}

/// One numbered conformance case.
public struct ConformanceCase: Sendable {
    /// Stable id tied to the RFC section, e.g. `9112-6.3-conflicting-cl`.
    public let id: String
    public let section: Section
    /// "RFC 9112 §6.3".
    public let reference: String
    public let level: Level
    /// What is sent.
    public let sends: String
    /// What passes.
    public let passes: String
    /// Needs `/__fault/echo`; SKIP when the server lacks it.
    public let needsEcho: Bool
    /// A valid request: it is run again one byte per write in `robustness`.
    let valid: Bool
    let body: Body

    enum Body: Sendable {
        case raw(RawSpec)
        case custom(@Sendable (CaseContext) throws -> Verdict)
    }

    /// Runs the case; socket errors (refused, ...) become FAIL.
    public func run(_ ctx: CaseContext) -> Verdict {
        if needsEcho && !ctx.hasEcho {
            return .skip("needs an echo endpoint (POST /__fault/echo); server has none")
        }
        do {
            switch body {
            case .raw(let spec):
                let o = try ctx.exchange.run(spec.request(ctx), heads: spec.heads, expected: spec.expected,
                                             shutdownWrite: spec.shutdownWrite)
                return spec.judge(o)
            case .custom(let f):
                return try f(ctx)
            }
        } catch {
            return .fail("\(error)")
        }
    }

    /// The same case sent one byte per write (only for valid raw cases).
    func bytewise() -> ConformanceCase? {
        guard valid, case .raw(let spec) = body else { return nil }
        return ConformanceCase(
            id: id + "@bytewise", section: .robustness, reference: reference, level: level,
            sends: sends + ", one byte per write", passes: passes, needsEcho: needsEcho, valid: false,
            body: .custom { ctx in
                let o = try ctx.exchange.run(spec.request(ctx), heads: spec.heads, expected: spec.expected,
                                             bytewise: true, shutdownWrite: spec.shutdownWrite)
                return spec.judge(o)
            })
    }
}

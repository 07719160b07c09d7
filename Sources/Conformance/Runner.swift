import Harness
import Foundation

/// Where a run points: parsed from "http://127.0.0.1:PORT/path".
public struct TargetURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String

    /// Accepts http:// URLs with an IPv4 literal or "localhost" host.
    public init?(_ url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), port > 0, port < 65536 else { return nil }
        host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        self.port = port
        self.path = path.isEmpty ? "/" : String(path)
    }
}

/// Runs the selected cases against a server at `baseURL` and returns the
/// results in table order. `onResult` is called as each case finishes (from
/// worker threads, serialised by a lock), for live output.
public func runConformance(baseURL: String, options: ConformanceOptions = ConformanceOptions(),
                           onResult: (@Sendable (CaseResult) -> Void)? = nil) throws -> ConformanceReport {
    guard let target = TargetURL(baseURL) else { throw SystemCallError(call: "parse URL \(baseURL)", errno: EINVAL) }
    var ctx = CaseContext(host: target.host, port: target.port, path: target.path, hasEcho: false, options: options)
    ctx.hasEcho = EchoProbe.detect(ctx)
    let cases = CaseTable.select(sections: options.sections, cases: options.cases)
    let shared = cases.filter { !CaseTable.exclusive.contains($0.id) }
    let alone = cases.filter { CaseTable.exclusive.contains($0.id) }
    var byId = ParallelRunner.run(shared, ctx: ctx, width: options.parallelism, onResult: onResult)
    for (k, v) in ParallelRunner.run(alone, ctx: ctx, width: 1, onResult: onResult) { byId[k] = v }
    return ConformanceReport(target: baseURL, hasEcho: ctx.hasEcho, strict: options.strict,
                             results: cases.compactMap { byId[$0.id] })
}

/// Finds out once whether the server has the echo endpoint.
enum EchoProbe {
    static func detect(_ c: CaseContext) -> Bool {
        let req = "POST /__fault/echo HTTP/1.1\r\nHost: \(c.authority)\r\nContent-Length: 11\r\n\r\nprobe-12345"
        guard let o = try? c.exchange.run(Array(req.utf8), heads: [false], expected: 1) else { return false }
        return o.responses.first.map { $0.status == 200 && $0.body == Array("probe-12345".utf8) } ?? false
    }
}

/// A fixed pool of threads draining a shared queue of cases.
enum ParallelRunner {
    static func run(_ cases: [ConformanceCase], ctx: CaseContext, width: Int,
                    onResult: (@Sendable (CaseResult) -> Void)?) -> [String: CaseResult] {
        let state = Locked(State(next: 0, results: [:]))
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width, cases.count)) {
            group.enter()
            Thread.detachNewThread {
                while let c = state.withLock({ s -> ConformanceCase? in
                    guard s.next < cases.count else { return nil }
                    s.next += 1
                    return cases[s.next - 1]
                }) {
                    let r = runOne(c, ctx)
                    state.withLock { s in
                        s.results[c.id] = r
                        onResult?(r)
                    }
                }
                group.leave()
            }
        }
        group.wait()
        return state.withLock { $0.results }
    }

    struct State: Sendable {
        var next: Int
        var results: [String: CaseResult]
    }

    static func runOne(_ c: ConformanceCase, _ ctx: CaseContext) -> CaseResult {
        let start = Clock.now()
        let v = c.run(ctx)
        return CaseResult(id: c.id, section: c.section, reference: c.reference, level: c.level, sends: c.sends,
                          passes: c.passes, outcome: v.word, detail: v.detail,
                          seconds: ((Clock.now() - start) * 1000).rounded() / 1000)
    }
}

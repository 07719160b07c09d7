import Foundation
import Testing
@testable import Conformance
import Harness

/// Every case of the table must be seen to FAIL against something: a case
/// that no server can fail checks nothing. Each `Flaw` of `MiniServer` makes
/// its cases FAIL while the flawless MiniServer PASSes them (so the flaw, not
/// an accident, is what the case catches); the two whole-table runs against
/// `TinyServer`'s naive and refuse-but-keep-reading servers cover the rest.
/// docs/conformance-peers.md "Seen to fail" lists where each id fails.
@Suite(.serialized) struct SeenToFailTests {
    static func options(_ ids: [String]) -> ConformanceOptions {
        var o = ConformanceOptions()
        o.cases = ids
        o.caseTimeout = 4
        o.quiet = 0.3
        o.slowlorisWait = 1.5
        o.idleConnections = 20
        return o
    }

    static func outcomes(_ url: String, _ ids: [String]) throws -> [String: CaseResult] {
        let report = try runConformance(baseURL: url, options: options(ids))
        return Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0) })
    }

    static func describe(_ r: CaseResult?) -> String { r.map { "\($0.outcome) \($0.detail)" } ?? "not run" }

    /// The flawless MiniServer passes every flaw's cases; each flawed one
    /// fails all of its own (flawed servers run 4 at a time to stay fast).
    @Test func eachFlawMakesItsCasesFail() throws {
        let known = Set(CaseTable.all.map(\.id))
        let ids = Array(Set(Flaw.allCases.flatMap(\.fails))).sorted()
        for id in ids { #expect(known.contains(id), "unknown case id \(id)") }
        let good = try MiniServer()
        defer { good.stop() }
        let before = try Self.outcomes(good.url, ids)
        for id in ids { #expect(before[id]?.passed == true, "flawless MiniServer: \(id) \(Self.describe(before[id]))") }

        let flaws = Flaw.allCases
        let after = Locked([Flaw: [String: CaseResult]]())
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 4
        for flaw in flaws {
            queue.addOperation {
                guard let bad = try? MiniServer(flaw) else { return }
                defer { bad.stop() }
                let r = (try? Self.outcomes(bad.url, flaw.fails)) ?? [:]
                after.withLock { $0[flaw] = r }
            }
        }
        queue.waitUntilAllOperationsAreFinished()
        let results = after.withLock { $0 }
        for flaw in flaws {
            for id in flaw.fails {
                #expect(results[flaw]?[id]?.failed == true, "\(flaw): \(id) \(Self.describe(results[flaw]?[id]))")
            }
        }
    }

    /// The whole table against the two TinyServer defects, plus every flaw's
    /// list (proven above): together they fail every case id.
    @Test func everyCaseIsSeenToFail() throws {
        let failed = Locked(Set(Flaw.allCases.flatMap(\.fails)))
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            guard let server = try? TinyServer(i == 0 ? .naive : .refusingKeepOpen) else { return }
            defer { server.stop() }
            let results = (try? Self.outcomes("http://127.0.0.1:\(server.port)/", [])) ?? [:]
            failed.withLock { $0.formUnion(results.values.filter(\.failed).map(\.id)) }
        }
        let seen = failed.withLock { $0 }
        let missing = CaseTable.all.map(\.id).filter { !seen.contains($0) }
        #expect(missing.isEmpty, "never seen to FAIL: \(missing)")
    }
}

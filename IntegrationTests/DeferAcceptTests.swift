import Foundation
import Glibc
import Testing

extension Integration {
    /// --defer-accept: a connection that sends nothing reaches a worker only
    /// after the defer time (then its header timeout runs); with 0 at once.
    @Suite struct DeferAcceptTests {
        /// Seconds from connect until the server closes a silent connection.
        func silentConnectionLifetime(_ args: [String]) throws -> Double {
            let d = try Daemon(["--header-timeout", "0.3"] + args, workers: 1)
            defer { d.stop() }
            let client = try RawClient(port: d.port, timeout: 8)
            let start = Date()
            let result = try client.read(until: { _ in false })
            #expect(result.closed)
            return Date().timeIntervalSince(start)
        }

        @Test func silentConnectionIsDeferredByDefault() throws {
            let seconds = try silentConnectionLifetime([])
            #expect(seconds >= 0.9, "closed after \(seconds) s: the connection was not deferred")
        }

        @Test func deferAcceptZeroHandsTheConnectionOverAtOnce() throws {
            let seconds = try silentConnectionLifetime(["--defer-accept", "0"])
            #expect(seconds < 0.9, "closed after \(seconds) s: expected the 0.3 s header timeout from the connect")
        }
    }
}

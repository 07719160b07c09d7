import Foundation
import Glibc
import Testing

extension Integration {
    /// A connection queued while the only worker is paused is answered within
    /// the backlog grace, not after the keep-alive timeout: the worker closes
    /// its idle keep-alive connections to make room (Worker+Backlog).
    @Suite struct BacklogReclaimTests {
        static let request = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"

        /// One request on `client`; returns the response head.
        func answer(_ client: RawClient) throws -> String {
            try client.send(Self.request)
            let text = try client.read(until: { !splitResponses($0).isEmpty }).text
            return splitResponses(text).first?.head ?? text
        }

        /// Opens `idle` answered keep-alive connections (they pause the worker),
        /// then a fresh one; returns how long its answer took, in seconds.
        func queuedConnectionWait(_ d: Daemon, idle: Int) throws -> (seconds: Double, parked: [RawClient]) {
            var parked: [RawClient] = []
            for _ in 0..<idle {
                let client = try RawClient(port: d.port)
                #expect(try answer(client).hasPrefix("HTTP/1.1 200"))
                parked.append(client)
            }
            let fresh = try RawClient(port: d.port, timeout: 8)
            let start = Date()
            let head = try answer(fresh)
            #expect(head.hasPrefix("HTTP/1.1 200"), "fresh connection got \(head.debugDescription)")
            return (Date().timeIntervalSince(start), parked)
        }

        /// Lifetime 3, one worker: the first connection's answer leaves 2 units
        /// for 1 connection; the second's leaves 1 for 2 (it says close). The
        /// idle first connection holds the last unit, so the worker is paused.
        @Test func idleKeepAliveYieldsItsLifetimeUnit() throws {
            let d = try Daemon(["--lifetime", "3", "--lifetime-jitter", "0", "--keepalive-timeout", "30"], workers: 1)
            defer { d.stop() }
            let (seconds, parked) = try queuedConnectionWait(d, idle: 2)
            #expect(seconds < 2, "queued connection answered after \(seconds) s: the idle connection kept the last unit")
            // The idle keep-alive connection was the one closed for it.
            let closed = try parked[0].read(until: { _ in false })
            #expect(closed.closed)
        }

        /// --worker-connections 2, no lifetime: two idle keep-alive
        /// connections fill the worker.
        @Test func idleKeepAliveYieldsItsConnectionSlot() throws {
            let d = try Daemon(["--worker-connections", "2", "--lifetime", "0", "--keepalive-timeout", "30"], workers: 1)
            defer { d.stop() }
            let (seconds, _) = try queuedConnectionWait(d, idle: 2)
            #expect(seconds < 2, "queued connection answered after \(seconds) s: idle connections kept the worker full")
        }
    }
}

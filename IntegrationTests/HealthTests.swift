import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// `GET /__health` against the built binary: 200 `ready` while serving,
    /// and the loopback rule (503 while draining: DrainDelayTests).
    @Suite struct HealthTests {
        @Test func readyWhileServing() throws {
            let d = try Daemon([], workers: 2)
            defer { d.stop() }
            let health = try d.get("/__health").get()
            #expect(health.status == 200 && health.bodyText == "ready\n", "\(health.status) \(health.bodyText.debugDescription)")
            #expect(health.header("Cache-Control") == "no-store")
            #expect(try d.get("/__health", method: "HEAD").get().status == 200)
            #expect(try d.get("/").get().status == 200)
        }

        /// Bound to a non-loopback address: /__health is 404 by default,
        /// 200 with --health-from-anywhere (while /__status stays 404) and
        /// with --status-from-anywhere.
        @Test(.enabled(if: OperabilityTests.outsideAddress != nil, "no non-loopback IPv4 address on this machine"))
        func loopbackRule() throws {
            let host = try #require(OperabilityTests.outsideAddress)
            for (flags, health, status) in [([String](), 404, 404), (["--health-from-anywhere"], 200, 404),
                                            (["--status-from-anywhere"], 200, 200)] {
                let d = try Daemon(["--host", host] + flags, workers: 1)
                defer { d.stop() }
                #expect(d.url.contains(host))
                #expect(d.get("/__health").response?.status == health, "\(flags)")
                #expect(d.get("/__status").response?.status == status, "\(flags)")
                #expect(d.get("/").response?.status == 200)
            }
        }
    }
}

import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// `--drain-delay` on the built binary: a stop signal first turns
    /// /__health to 503 while every worker serves on (fresh and keep-alive
    /// connections), then the graceful stop; a second signal cuts it short.
    @Suite struct DrainDelayTests {
        /// One keep-alive request on `client`; the response (status, head).
        func keepAliveGet(_ client: RawClient, _ path: String = "/") throws -> (status: Int, head: String, body: String)? {
            try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            return splitResponses(try client.read(until: { splitResponses($0).count == 1 }).text).first
        }

        /// Waits for the master's `drain_started` line; its fields.
        func awaitDrainStarted(_ d: Daemon) -> LogLine? {
            _ = waitUntil(timeout: 3, interval: 0.005) { !d.events("drain_started").isEmpty }
            return d.events("drain_started").first
        }

        @Test func termReportsDrainingWhileServingThenStops() throws {
            let d = try Daemon(["--drain-delay", "1.5", "--lifetime", "0"], workers: 2)
            defer { d.stop() }
            let client = try RawClient(port: d.port)
            #expect(try keepAliveGet(client)?.status == 200)
            #expect(d.get("/__health").response?.status == 200)

            let t0 = monotonicNanos()
            d.process.signal(SIGTERM)
            let started = awaitDrainStarted(d)
            #expect(started?["signal"] == "TERM" && started?["delay_ms"] == "1500", "\(d.logTail())")

            let health = d.get("/__health").response
            #expect(health?.status == 503 && health?.bodyText == "draining\n", "\(health.map { "\($0.status) \($0.bodyText)" } ?? "nothing")")
            #expect(d.get("/").response?.status == 200, "a fresh connection is still served")
            let again = try keepAliveGet(client)
            #expect(again?.status == 200, "the keep-alive connection is still served")
            #expect(again.map { !$0.head.lowercased().contains("connection: close") } == true, "no early close: \(again?.head ?? "")")
            #expect(try keepAliveGet(client, "/__health")?.status == 503)
            #expect(millis(t0, monotonicNanos()) < 1500, "the checks must run inside the delay")
            #expect(d.events("shutdown_started").isEmpty, "the stop waits for the delay")

            let status = d.process.wait(timeout: 8)
            let elapsed = millis(t0, monotonicNanos())
            #expect(status == .exited(0), "\(d.logTail())")
            #expect(elapsed >= 1500 && elapsed < 1500 + 3000 + 1000, "master exited after \(Int(elapsed)) ms")
            #expect(d.events("shutdown_started").first?["mode"] == "graceful", "\(d.logTail())")
            print("drain-delay 1.5 s: master exited 0 after \(Int(elapsed)) ms")
        }

        @Test func secondTermDuringTheDelayStopsAtOnce() throws {
            let d = try Daemon(["--drain-delay", "10"], workers: 2)
            defer { d.stop() }
            d.process.signal(SIGTERM)
            #expect(awaitDrainStarted(d) != nil, "\(d.logTail())")
            // Accepted during the delay; a graceful stop would wait for it
            // (up to --graceful-timeout 3), an immediate one cuts it.
            let shutdown = ShutdownTests()
            let baseline = shutdown.fdBaseline(d)
            let inFlight = ShutdownTests.InFlight(d, "__fault/sleep?ms=5000")
            #expect(shutdown.awaitAccepted(d, baseline: baseline), "the sleep request never reached a worker")
            let t0 = monotonicNanos()
            d.process.signal(SIGTERM)
            let status = d.process.wait(timeout: 5)
            let elapsed = millis(t0, monotonicNanos())
            #expect(status == .exited(0), "\(d.logTail())")
            #expect(elapsed < 1000, "second TERM: master took \(Int(elapsed)) ms")
            #expect(inFlight.wait(3)?.response == nil, "the 5 s request should be cut")
            #expect(d.events("shutdown_started").first?["mode"] == "immediate", "\(d.logTail())")
        }

        /// The planted defect `no-drain-report`: /__health says 200 through
        /// the delay, which a fleet's drain-respected invariant must catch.
        @Test func plantedDefectKeepsReportingReady() throws {
            let d = try Daemon(["--drain-delay", "1.5", "--planted-defect", "no-drain-report"], workers: 1)
            defer { d.stop() }
            d.process.signal(SIGTERM)
            #expect(awaitDrainStarted(d) != nil, "\(d.logTail())")
            #expect(d.get("/__health").response?.status == 200)
        }
    }
}

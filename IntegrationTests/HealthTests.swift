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
        /// Asks GET /__health over and over on one keep-alive connection
        /// until the server closes it (or says Connection: close), on its own
        /// thread; each answer's status and worker pid.
        final class HealthPoller: @unchecked Sendable {   // `seen` is locked; the rest is set once
            private let seen = Locked<[(status: Int, pid: Int32)]>([])
            private let done = DispatchSemaphore(value: 0)
            private let stopFlag = Locked(false)

            init(port: Int) throws {
                let client = try RawClient(port: port)
                Thread {
                    defer { self.done.signal() }
                    let deadline = monotonicNanos() + 20_000_000_000
                    while monotonicNanos() < deadline, !self.stopFlag.withLock({ $0 }) {
                        guard (try? client.send("GET /__health HTTP/1.1\r\nHost: x\r\n\r\n")) != nil,
                              let read = try? client.read(until: { splitResponses($0).count == 1 }),
                              let response = splitResponses(read.text).first else { return }
                        let pid = response.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-worker-pid:") }
                            .flatMap { Int32($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                        self.seen.withLock { $0.append((response.status, pid)) }
                        if read.closed || response.head.lowercased().contains("connection: close") { return }
                    }
                }.start()
            }

            var answers: [(status: Int, pid: Int32)] { seen.withLock { $0 } }

            /// Stops (if still asking) and returns every answer.
            func finish() -> [(status: Int, pid: Int32)] {
                stopFlag.withLock { $0 = true }
                _ = done.wait(timeout: .now() + 10)
                return answers
            }
        }

        /// USR2: once the new generation is ready, the old one says draining.
        /// A client asking on a keep-alive connection to an old worker sees
        /// 200, then 503 from the hand-over on (until the old worker closes),
        /// never 200 after 503; fresh connections then get 200 from the new
        /// generation.
        @Test func oldGenerationDrainsAfterAnUpgrade() throws {
            try Subreaper.enable()
            let d = try Daemon(["--lifetime", "0"], workers: 2)
            // Whoever the pid file names at the end is the master to kill (the new one joins our group).
            defer { Upgrades.tearDown(d, master: Upgrades.pidFile(d.pidPath) ?? d.master, group: d.process.pid) }
            let oldWorkers = Set(Upgrades.workers(of: d.master).map(\.pid))
            let pollers = try (0..<4).map { _ in try HealthPoller(port: d.port) }
            #expect(waitUntil(timeout: 5) { pollers.allSatisfy { !$0.answers.isEmpty } }, "pollers never got an answer")
            let (new, ms) = try UpgradeTests.upgrade(d, from: d.master)
            let sequences = pollers.map { $0.finish() }
            for answers in sequences {
                let statuses = answers.map(\.status)
                let firstDrain = statuses.firstIndex(of: 503) ?? statuses.count
                #expect(statuses.prefix(firstDrain).allSatisfy { $0 == 200 } && statuses.dropFirst(firstDrain).allSatisfy { $0 == 503 },
                        "want 200... then 503...: \(statuses.suffix(10))")
                #expect(answers.allSatisfy { oldWorkers.contains($0.pid) }, "a keep-alive connection changed workers?")
            }
            let drained = sequences.filter { $0.contains { $0.status == 503 } }.count
            #expect(drained >= 1, "no poller saw the old generation's 503: \(sequences.map { $0.suffix(3).map(\.status) })")
            let fresh = try #require(d.get("/__health").response)
            #expect(fresh.status == 200 && ProcFS.entry(fresh.workerPid ?? 0)?.ppid == new, "\(fresh.status) from \(fresh.workerPid ?? 0)")
            print("upgrade in \(Int(ms)) ms: \(drained) of 4 keep-alive pollers saw 503 from the old generation before it closed; "
                  + "answers per poller \(sequences.map(\.count))")
        }
    }
}

import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// The four ways ordinary production conditions wedged preforkd (issue
    /// "Stable in a hostile environment"); each test failed on the old code.
    @Suite struct HostileEnvironmentTests {
        // MARK: - 1. A stalled log reader

        /// Event log and access log on a FIFO whose only reader (this test)
        /// never reads: the 64 KiB pipe fills after a few hundred lines. The
        /// old blocking writes then wedged every worker before its response,
        /// and the master in its `worker_exited` line.
        @Test func stalledLogReaderWedgesNothing() throws {
            let fifoDir = makeTempDir()
            defer { try? FileManager.default.removeItem(atPath: fifoDir) }
            let fifo = fifoDir + "/log.fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            // O_RDWR: holds the pipe open without blocking; never read until the end.
            let reader = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            try #require(reader >= 0)
            defer { close(reader) }
            let d = try Daemon(["--access-log", fifo, "--timeout", "2", "--lifetime", "0"], workers: 2, logFile: fifo)
            defer { d.stop() }

            // ~200 bytes a line: 1500 lines are four times the pipe.
            let client = CurlClient()
            var failures: [String] = []
            var servedBy: Set<Int32> = []
            for i in 0..<1500 {
                let r = client.perform(CurlRequest(method: "GET", url: d.url, timeout: 2))
                if r.response?.status != 200 { failures.append("request \(i): \(r.summary)") }
                if let pid = r.response?.workerPid { servedBy.insert(pid) }
                if failures.count > 3 { break }
            }
            #expect(failures.isEmpty, "requests failed with the log reader stalled: \(failures)")

            // Supervision: a killed worker is reaped and replaced although its
            // worker_exited line has nowhere to go. The victim is one that did
            // not serve (keep-alive kept the load on one): the server's unreported
            // drops must outlive the kill to be reported below.
            let victim = try #require(d.workers().first { !servedBy.contains($0.pid) } ?? d.workers().first)
            #expect(SafeSignal.send(SIGKILL, to: victim.pid, expectedStartTime: victim.startTime))
            let refilled = waitUntil(timeout: 3, interval: 0.005) {
                let now = d.workers()
                return now.count == 2 && !now.contains { $0.pid == victim.pid }
            }
            #expect(refilled, "the master did not refill the slot while its log was stalled")

            let metrics = d.get("/__metrics").response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            let dropped = Self.metric(metrics, #"preforkd_log_lines_dropped_total{log="access"}"#)
            #expect((dropped ?? 0) > 0, "drops are counted: \(dropped.map(String.init) ?? "missing")")

            // The reader comes back: lines flow again, whole, and the drops are reported.
            var text = ""
            let reported = waitUntil(timeout: 5, interval: 0.02) {
                text += Self.drain(reader)
                _ = d.get("/")
                return text.contains("event=log_lines_dropped")
            }
            #expect(reported, "no log_lines_dropped event after the reader returned")
            let torn = text.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.hasPrefix("ts=") }
            #expect(torn.isEmpty, "torn or interleaved lines: \(torn.prefix(3))")
        }

        static func drain(_ fd: Int32) -> String {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                bytes += chunk[..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        static func metric(_ text: String, _ name: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last!) }
        }

        // MARK: - 2. Slow clients under the default lifetime

        /// Slow connections (a partial head, then silence) must not take the
        /// lifetime units fresh clients need. The old gate counted every
        /// open connection, so each worker took `lifetime` of them and
        /// stopped accepting: fresh GETs waited for the header timeout.
        func slowlorisFlood(lifetime: Int?, slow: Int, fresh: Int) throws {
            let d = try Daemon(lifetime.map { ["--lifetime", "\($0)"] } ?? [], workers: 2)
            defer { d.stop() }
            var slowClients: [RawClient] = []
            for _ in 0..<slow {
                let c = try RawClient(port: d.port)
                try c.send("GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
                slowClients.append(c)
            }
            var latencies: [Double] = []
            var failures: [String] = []
            for i in 0..<fresh {
                let t0 = monotonicNanos()
                let r = d.get("/", timeout: 3)
                latencies.append(millis(t0, monotonicNanos()))
                if r.response?.status != 200 { failures.append("GET \(i): \(r.summary)") }
            }
            let (median, worst) = medianMax(latencies)
            print("\(slow) slow connections, lifetime \(lifetime.map(String.init) ?? "default"): \(fresh) fresh GETs, median \(median) ms, max \(worst) ms")
            #expect(failures.isEmpty, "fresh clients starved by \(slow) slow ones: \(failures.prefix(5))\n\(d.logTail())")
            withExtendedLifetime(slowClients) {}
        }

        @Test func slowlorisFloodUnderTheDefaultLifetime() throws {
            try slowlorisFlood(lifetime: nil, slow: 600, fresh: 30)
        }

        /// Retirement must not wait for slow connections either: a retiring
        /// worker closes the ones that claim no unit instead of holding them
        /// (and its slot) until the header timeout.
        @Test func slowConnectionsDoNotHoldARetiringWorker() throws {
            try slowlorisFlood(lifetime: 5, slow: 300, fresh: 40)
        }

        // MARK: - 3. File descriptor exhaustion

        /// A worker whose RLIMIT_NOFILE is spent while connections queue: the
        /// old code retried accept4 at once (EMFILE returned like EAGAIN), a
        /// 100% CPU spin that logged nothing.
        @Test func fdExhaustionBacksOffAndRecovers() throws {
            let d = try Daemon(["--lifetime", "0"], workers: 1)
            defer { d.stop() }
            let worker = try #require(d.workers().first)
            let open = try #require(ProcFS.fdCount(worker.pid))
            let hard = try Self.setDescriptorLimit(worker.pid, soft: rlim_t(open + 1))
            defer { _ = try? Self.setDescriptorLimit(worker.pid, soft: hard) }

            // One keep-alive connection takes the last descriptor; two more queue.
            let idle = try RawClient(port: d.port)
            try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try idle.read { $0.contains("requests.") }
            let queued = try (0..<2).map { _ in try RawClient(port: d.port) }
            for c in queued { try c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") }

            let cpu0 = try #require(ProcFS.cpuSeconds(worker.pid))
            let t0 = monotonicNanos()
            usleep(1_500_000)
            let cpu = try #require(ProcFS.cpuSeconds(worker.pid)) - cpu0
            let share = cpu / (millis(t0, monotonicNanos()) / 1000)
            print("worker CPU while out of descriptors: \(Int(share * 100))% of a core")
            #expect(share < 0.3, "the worker spins while accept4 fails: \(Int(share * 100))% of a core")

            let failed = d.events("accept_failed")
            #expect(failed.first?["errno"] == "EMFILE", "accept_failed errno=EMFILE logged\n\(d.logTail())")
            #expect(failed.count <= 3, "logged once per episode, not per attempt: \(failed.count) lines")
            let metrics = d.get("/__metrics").response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            let errors = Self.metric(metrics, "preforkd_accept_errors_total") ?? 0
            #expect(errors > 0, "preforkd_accept_errors_total counts them")

            // The idle keep-alive connection was closed to free a slot, and once
            // the limit is back every queued client is answered.
            _ = try Self.setDescriptorLimit(worker.pid, soft: hard)
            for (i, c) in queued.enumerated() {
                let answer = try c.readToClose()
                #expect(answer.hasPrefix("HTTP/1.1 200"), "queued client \(i): \(answer.prefix(60).debugDescription)")
            }
            let fresh = d.get("/", timeout: 3)
            #expect(fresh.response?.status == 200, "served after the limit is back: \(fresh.summary)")
        }

        /// --worker-connections beyond the hard RLIMIT_NOFILE: one line, exit 1,
        /// nothing started (a worker would fail accepts at its sized load).
        @Test func workerConnectionsBeyondTheDescriptorLimitIsRefused() throws {
            var limit = rlimit()
            try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
            guard limit.rlim_max < 1 << 30 else { return }  // unlimited here: nothing to exceed
            let port = Ports.free()
            let p = try SpawnedProcess.spawn(PreforkdBinary.path, ["--port", "\(port)", "--workers", "1",
                                                                   "--worker-connections", "\(limit.rlim_max + 1)"], deadline: 15)
            defer { p.terminateAndReap() }
            #expect(p.wait(timeout: 10) == .exited(1))
            let lines = p.stderrText.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("preforkd: --worker-connections"), "\(p.stderrText.debugDescription)")
            #expect(lines.first?.contains("RLIMIT_NOFILE") == true)
            #expect(ProcFS.groupMembers(p.pid).isEmpty && Ports.refuses(port: port))
        }

        /// RLIMIT_NOFILE of another process, by util-linux's prlimit(1) (the
        /// prlimit(2) call is not in Swift's Glibc module); returns the hard limit.
        @discardableResult
        static func setDescriptorLimit(_ pid: Int32, soft: rlim_t) throws -> rlim_t {
            let hard = try run(["/usr/bin/prlimit", "--pid", "\(pid)", "--nofile", "--raw", "--noheadings", "--output", "HARD"])
            guard let hardLimit = rlim_t(hard.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw RawError("prlimit: cannot read the hard limit: \(hard.debugDescription)")
            }
            _ = try run(["/usr/bin/prlimit", "--pid", "\(pid)", "--nofile=\(min(soft, hardLimit)):\(hardLimit)"])
            return hardLimit
        }

        static func run(_ argv: [String]) throws -> String {
            let p = try SpawnedProcess.spawn(argv[0], Array(argv.dropFirst()), deadline: 10, newProcessGroup: false)
            var out = ""
            while let line = p.readLine(timeout: 5) { out += line + "\n" }
            guard p.wait(timeout: 5) == .exited(0) else { throw RawError("\(argv) failed: \(p.stderrText)") }
            return out
        }

        // MARK: - 4. A paused process group

        /// SIGSTOP of the whole group (a frozen cgroup, a paused container, a
        /// debugger) for longer than --timeout, then SIGCONT: the old master
        /// judged heartbeats on its first turn and killed healthy workers
        /// (1 to 3 of them in 9 of 12 trials). Three pauses in a row.
        @Test func groupFreezeKillsNoHealthyWorker() throws {
            let d = try Daemon(["--timeout", "1"], workers: 3)
            defer { d.stop() }
            let before = Set(d.workers().map(\.pid))
            try #require(before.count == 3)
            for round in 1...3 {
                #expect(killpg(d.master, SIGSTOP) == 0)
                usleep(2_000_000)
                #expect(killpg(d.master, SIGCONT) == 0)
                usleep(1_200_000)
                let timeouts = d.events("worker_exited").filter { $0["reason"] == "killed_by_timeout" }
                #expect(timeouts.isEmpty, "round \(round): healthy workers killed as hung after the pause\n\(d.logTail())")
                if !timeouts.isEmpty { break }
            }
            #expect(Set(d.workers().map(\.pid)) == before, "the same workers serve after three pauses")
            #expect(!d.events("master_resumed").isEmpty, "the master logs that it noticed its pause")
            #expect(d.get("/").response?.status == 200)
        }
    }
}

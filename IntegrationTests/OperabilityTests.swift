import Curl
import Foundation
import Harness
import Testing

/// Operability against the built binaries: access log under load and across
/// USR1, same-port restart over TIME_WAIT, /__metrics, the loopback rule, and
/// the contrib/json-api embedding example.
@Suite(.serialized) struct OperabilityTests {
    // MARK: - Fixture

    /// A built executable next to the test bundle (.build/debug/NAME).
    static func binary(_ name: String) throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = (exe as NSString).deletingLastPathComponent
        for _ in 0..<3 {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = (dir as NSString).deletingLastPathComponent
        }
        throw HarnessError.notReady("\(name) not found beside \(exe); run swift build")
    }

    /// Starts preforkd and waits for its ready line; killed by pid in teardown
    /// (the caller's defer) or by the deadline.
    static func start(_ args: [String], name: String = "preforkd") throws -> (SpawnedProcess, ReadyLine) {
        let process = try SpawnedProcess.spawn(try binary(name), args, deadline: 60)
        do {
            return (process, try process.waitReady(timeout: 20))
        } catch {
            process.terminateAndReap()
            throw error
        }
    }

    /// A fresh scratch directory for log files.
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "preforkd-ops-\(getpid())-\(monotonicNanos())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func lines(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    static func get(_ url: String, headers: [String] = []) -> HTTPResult? {
        try? curlGet(url, headers: headers, timeout: 5).get()
    }

    /// One logfmt access line, every field present and well formed, nothing else.
    struct LogfmtLine {
        var peerPort: Int, method: String, target: String, status: Int, bytes: Int, durationMicros: Int
        var pid: Int32, served: Int, connectionRequest: Int

        static var pattern: Regex<(Substring, Substring, Substring, Substring, Substring, Substring, Substring, Substring, Substring, Substring)> { #/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z peer=127\.0\.0\.1:(\d+) method=([A-Z]+) target=(\S+) version=HTTP/1\.[01] status=(\d{3}) bytes=(\d+) duration_us=(\d+) pid=(\d+) served=(\d+) conn_request=(\d+)$/# }

        init?(_ line: String) {
            guard let m = line.wholeMatch(of: Self.pattern) else { return nil }
            peerPort = Int(m.1)!; method = String(m.2); target = String(m.3); status = Int(m.4)!; bytes = Int(m.5)!
            durationMicros = Int(m.6)!; pid = Int32(m.7)!; served = Int(m.8)!; connectionRequest = Int(m.9)!
        }
    }

    // MARK: - Access log

    /// 2000 keep-alive requests, concurrency 32, 4 workers rolling over every
    /// 100 responses: one complete line per response, none interleaved, and
    /// each line names exactly the pid and served count its response carried.
    @Test func accessLogUnderLoad() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (daemon, ready) = try Self.start(["--port", "0", "--workers", "4", "--lifetime", "100",
                                              "--access-log", dir + "/access.log", "--log-file", dir + "/events.log"])
        defer { daemon.terminateAndReap() }
        let records = LoadLoop(LoadOptions(url: ready.url, concurrency: 32, count: 2000, keepAlive: true, timeout: 10))
            .run(stop: StopFlag())
        // Lifetime rollover loses nothing (ChurnLoadTests); each answered
        // request must have exactly one line.
        let answered = records.filter { $0.status == 200 }
        #expect(answered.count == 2000, "curl codes: \(Set(records.map(\.curlCode)))")
        #expect(records.count == 2000)

        let text = try String(contentsOfFile: dir + "/access.log", encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let raw = text.split(separator: "\n").map(String.init)
        let parsed = raw.compactMap(LogfmtLine.init)
        #expect(parsed.count == raw.count, "unparsable: \(raw.filter { LogfmtLine($0) == nil }.prefix(3))")
        #expect(raw.count == answered.count)

        struct Unit: Hashable { var pid: Int32; var served: Int }
        let logged = parsed.map { Unit(pid: $0.pid, served: $0.served) }
        let responded = answered.compactMap { r in r.workerPid.flatMap { pid in r.served.map { Unit(pid: pid, served: $0) } } }
        #expect(Set(logged).count == logged.count, "a (pid, served) pair logged twice")
        #expect(Set(logged) == Set(responded))
        #expect(Set(parsed.map(\.pid)).count >= 4, "lines from several workers")
        #expect(parsed.allSatisfy { $0.method == "GET" && $0.target == "/" && $0.status == 200 && $0.bytes > 100 })

        // Per connection (worker pid + client port), request numbers run 1, 2, 3...
        let byConnection = Dictionary(grouping: parsed) { "\($0.pid):\($0.peerPort)" }
        for (key, lines) in byConnection {
            let numbers = lines.map(\.connectionRequest).sorted()
            #expect(numbers == Array(1...numbers.count), "connection \(key): \(numbers.prefix(10))")
        }
    }

    /// logrotate's dance: rename both logs, USR1 to the master; every process
    /// reopens (one log_reopened each), new lines go to the new file only.
    @Test func accessLogReopensOnUSR1() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let access = dir + "/access.log", events = dir + "/events.log"
        let (daemon, ready) = try Self.start(["--port", "0", "--workers", "4", "--lifetime", "0",
                                              "--access-log", access, "--log-file", events])
        defer { daemon.terminateAndReap() }
        for _ in 0..<20 { #expect(Self.get(ready.url)?.status == 200) }
        try FileManager.default.moveItem(atPath: access, toPath: access + ".1")
        try FileManager.default.moveItem(atPath: events, toPath: events + ".1")
        daemon.signal(SIGUSR1)
        let reopened = waitUntil(timeout: 10, interval: 0.02) {
            Self.lines(events).filter { $0.contains("event=log_reopened") }.count == 5
        }
        #expect(reopened, "log_reopened lines: \(Self.lines(events))")
        for _ in 0..<20 { #expect(Self.get(ready.url + "after")?.status == 200) }

        let old = Self.lines(access + ".1"), new = Self.lines(access)
        #expect(old.count == 20 && old.allSatisfy { LogfmtLine($0)?.target == "/" })
        #expect(new.count == 20 && new.allSatisfy { LogfmtLine($0)?.target == "/after" }, "\(new.prefix(3))")
        #expect(!Self.lines(events).contains { $0.contains("error=") })
    }

    @Test func combinedFormat() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (daemon, ready) = try Self.start(["--port", "0", "--workers", "2", "--access-log", dir + "/access.log",
                                              "--access-log-format", "combined"])
        defer { daemon.terminateAndReap() }
        #expect(Self.get(ready.url + "x?y=1", headers: ["User-Agent: ops-test/1", "Referer: http://ref/"])?.status == 200)
        #expect(try curlGet(ready.url + "head", method: "HEAD").get().status == 200)
        let lines = Self.lines(dir + "/access.log")
        try #require(lines.count == 2)
        let combined = #/^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET|HEAD) (\S+) HTTP/1\.1" (\d{3}) (\d+) "([^"]*)" "([^"]*)" duration_us=\d+ pid=\d+ served=\d+ conn_request=1$/#
        let first = try #require(lines[0].wholeMatch(of: combined), "\(lines[0])")
        #expect(first.2 == "/x?y=1" && first.3 == "200" && first.5 == "http://ref/" && first.6 == "ops-test/1")
        #expect(Int(first.4)! == "This child has served 1 requests.\n".utf8.count)
        let head = try #require(lines[1].wholeMatch(of: combined), "\(lines[1])")
        #expect(head.1 == "HEAD" && head.4 == "0")
    }

    // MARK: - Same-port restart

    /// Connection: close makes the server close first, so TIME_WAIT sockets
    /// sit on the server's port; TERM, then a new preforkd on the same port at
    /// once must be ready within 1 s and answer (SO_REUSEADDR).
    @Test func samePortRestartOverTimeWait() throws {
        let port = Ports.free()
        let args = ["--port", "\(port)", "--workers", "2", "--graceful-timeout", "2"]
        let (first, _) = try Self.start(args)
        defer { first.terminateAndReap() }
        for _ in 0..<30 { #expect(Self.requestUntilServerCloses(port: port).hasPrefix("HTTP/1.1 200 OK\r\n")) }
        #expect(Self.timeWaitCount(port: port) > 0, "no TIME_WAIT on port \(port): the test would prove nothing")
        first.signal(SIGTERM)
        #expect(first.wait(timeout: 10) == .exited(0))
        #expect(Self.timeWaitCount(port: port) > 0)

        let t0 = monotonicNanos()
        let (second, again) = try Self.start(args)
        defer { second.terminateAndReap() }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        #expect(again.port == port)
        #expect(seconds < 1.0, "ready after \(seconds) s")
        #expect(Self.get(again.url)?.status == 200)
    }

    /// A raw `Connection: close` request that reads until the server's FIN
    /// and only then closes: the server closes first, so the TIME_WAIT is
    /// on the server's side (a client like libcurl may close first).
    static func requestUntilServerCloses(port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "socket failed" }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "connect failed: errno \(errno)" }
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        guard write(fd, request, request.count) == request.count else { return "write failed" }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }  // 0: the server's FIN
            response += chunk[..<n]
        }
        return String(decoding: response, as: UTF8.self)
    }

    static func readToEnd(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sockets in TIME_WAIT (state 06) with `port` as the local port.
    static func timeWaitCount(port: Int) -> Int {
        let hexPort = ":" + String(format: "%04X", port)
        var count = 0
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // procfs files report size 0: read them to EOF, not by their size.
            let text = readToEnd(file)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(hexPort), fields[3] == "06" { count += 1 }
            }
        }
        return count
    }

    // MARK: - Metrics and the loopback rule

    @Test func metricsContent() throws {
        let (daemon, ready) = try Self.start(["--port", "0", "--workers", "3", "--fault-injection", "--lifetime", "0"])
        defer { daemon.terminateAndReap() }
        for _ in 0..<10 { #expect(Self.get(ready.url)?.status == 200) }
        #expect(try curlGet(ready.url, method: "BREW").get().status == 501)
        let crashed = Self.get(ready.url + "__fault/crash")  // that worker aborts; the slot respawns
        #expect(crashed?.status != 200)

        var samples: [String: Double] = [:]
        let settled = waitUntil(timeout: 10, interval: 0.05) {
            guard let page = Self.get(ready.url + "__metrics"), page.status == 200,
                  let parsed = try? Self.parseExposition(page.bodyText) else { return false }
            samples = parsed
            // The crash is counted when it is reaped, the replacement when it is
            // forked a moment later: settle on both.
            return parsed["preforkd_workers_alive"] == 3 && parsed[#"preforkd_worker_exits_total{reason="crashed"}"#] == 1
                && parsed["preforkd_workers_spawned_total"] == 4
        }
        #expect(settled, "\(samples)")
        #expect(samples["preforkd_workers_spawned_total"] == 4)
        #expect((samples[#"preforkd_responses_total{class="2xx"}"#] ?? 0) >= 10)
        #expect(samples[#"preforkd_responses_total{class="5xx"}"#] == 1)
        for reason in ["retired", "stopped", "killed_by_timeout", "boot_failed"] {
            #expect(samples[#"preforkd_worker_exits_total{reason="\#(reason)"}"#] == 0)
        }
        let generations = (0..<3).compactMap { samples[#"preforkd_worker_generation{slot="\#($0)"}"#] }
        #expect(generations.sorted() == [1, 1, 2])
        let served = (0..<3).compactMap { samples[#"preforkd_worker_served{slot="\#($0)"}"#] }
        #expect(served.count == 3)
        #expect(samples["preforkd_backoff_events_total"] != nil)
        #expect((samples["preforkd_uptime_seconds"] ?? 0) > 0)
        let page = try #require(Self.get(ready.url + "__metrics"))
        #expect(page.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
    }

    /// Every sample's family has HELP and TYPE before it; names, labels, values well formed.
    static func parseExposition(_ text: String) throws -> [String: Double] {
        struct Bad: Error { var line: String }
        var typed: Set<String> = [], samples: [String: Double] = [:]
        let sample = #/^([a-z_]+)(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? (-?[0-9]+(\.[0-9]+)?)$/#
        let lines = text.split(separator: "\n").map(String.init)
        for (i, line) in lines.enumerated() {
            if line.hasPrefix("# HELP ") { continue }
            if let m = line.wholeMatch(of: #/^# TYPE ([a-z_]+) (counter|gauge)$/#) {
                guard i > 0, lines[i - 1].hasPrefix("# HELP \(m.1) ") else { throw Bad(line: line) }
                typed.insert(String(m.1))
            } else if let m = line.wholeMatch(of: sample), typed.contains(String(m.1)) {
                samples[String(m.1) + String(m.2 ?? "")] = Double(m.4)!
            } else {
                throw Bad(line: line)
            }
        }
        return samples
    }

    @Test func statusPagesAnswerLoopback() throws {
        let (daemon, ready) = try Self.start(["--port", "0", "--workers", "1"])
        defer { daemon.terminateAndReap() }
        #expect(Self.get(ready.url + "__status")?.status == 200)
        #expect(Self.get(ready.url + "__metrics")?.status == 200)
        // Only the socket's peer address counts, never a header a client can forge.
        #expect(Self.get(ready.url + "__status", headers: ["X-Forwarded-For: 203.0.113.9"])?.status == 200)
    }

    /// This machine's first non-loopback IPv4 address, if it has one.
    static let outsideAddress: String? = {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let addr = entry.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            let v4 = addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard UInt32(bigEndian: v4.s_addr) >> 24 != 127 else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var copy = v4
            guard inet_ntop(AF_INET, &copy, &text, socklen_t(text.count)) != nil else { continue }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }()

    /// Bound to a non-loopback local address, the client's source is that
    /// address too: /__status and /__metrics are 404 unless --status-from-anywhere.
    @Test(.enabled(if: outsideAddress != nil, "no non-loopback IPv4 address on this machine"))
    func statusPagesHiddenFromOthers() throws {
        let host = try #require(Self.outsideAddress)
        for (flags, expected) in [([String](), 404), (["--status-from-anywhere"], 200)] {
            let (daemon, ready) = try Self.start(["--host", host, "--port", "0", "--workers", "1"] + flags)
            defer { daemon.terminateAndReap() }
            #expect(ready.url.contains(host))
            #expect(Self.get(ready.url)?.status == 200)
            #expect(Self.get(ready.url + "__status")?.status == expected, "\(flags)")
            #expect(Self.get(ready.url + "__metrics")?.status == expected, "\(flags)")
            let status = Self.get(ready.url + "__status")
            #expect(status?.bodyText.contains("master_pid") == (expected == 200))
        }
    }

    // MARK: - contrib/json-api

    @Test func jsonAPIExampleAnswersJSON() throws {
        let port = Ports.free()
        let (app, ready) = try Self.start(["--port", "\(port)", "--workers", "2"], name: "json-api-example")
        defer { app.terminateAndReap() }
        #expect(ready.workers == 2)
        let hello = try #require(Self.get(ready.url + "v1/hello?name=ada"))
        #expect(hello.status == 200 && hello.header("Content-Type") == "application/json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(hello.body)) as? [String: String])
        #expect(object == ["hello": "ada", "client": "127.0.0.1"])

        let echo = try curlGet(ready.url + "v1/echo", method: "POST", headers: ["Content-Type: application/json"],
                               body: Array(#"{"a":"b\"c"}"#.utf8)).get()
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(echo.body)) as? [String: Any])
        #expect(echoed["echo"] as? String == #"{"a":"b\"c"}"# && echoed["received"] as? Int == 12)

        let missing = try #require(Self.get(ready.url + "nope"))
        #expect(missing.status == 404)
        #expect((try JSONSerialization.jsonObject(with: Data(missing.body)) as? [String: String])?["error"] == "not found")
        #expect(Self.get(ready.url + "__metrics")?.status == 200)  // the engine's endpoints come with the library
        app.signal(SIGTERM)
        #expect(app.wait(timeout: 10) == .exited(0))
    }
}

@preconcurrency import Glibc
import HTTP1
import Testing
@testable import Prefork

/// The loopback rule for /__status and /__metrics, peer formatting.
@Suite struct PeerAddressTests {
    @Test(arguments: ["127.0.0.1", "127.255.3.4", "127.0.0.0", "::1", "::ffff:127.0.0.1", "::ffff:127.9.9.9"])
    func loopbackMayReadStatus(_ address: String) throws {
        let peer = try #require(PeerAddress(numeric: address, port: 5000))
        #expect(peer.isLoopback)
        #expect(BuiltinRoutes.mayReadStatus(peer: peer, fromAnywhere: false))
    }

    @Test(arguments: ["128.0.0.1", "126.255.255.255", "10.0.0.1", "192.0.2.2", "0.0.0.0", "::", "::2", "fe80::1",
                      "::ffff:10.0.0.1", "::127.0.0.1", "2001:db8::1"])
    func othersMayNotUnlessFromAnywhere(_ address: String) throws {
        let peer = try #require(PeerAddress(numeric: address, port: 5000))
        #expect(!peer.isLoopback)
        #expect(!BuiltinRoutes.mayReadStatus(peer: peer, fromAnywhere: false))
        #expect(BuiltinRoutes.mayReadStatus(peer: peer, fromAnywhere: true))
    }

    @Test func unknownPeerIsNotLoopback() {
        #expect(!PeerAddress.unknown.isLoopback)
        #expect(!BuiltinRoutes.mayReadStatus(peer: .unknown, fromAnywhere: false))
        #expect(PeerAddress.unknown.description == "-")
    }

    @Test func formatting() throws {
        #expect(try #require(PeerAddress(numeric: "127.0.0.1", port: 80)).description == "127.0.0.1:80")
        #expect(try #require(PeerAddress(numeric: "10.200.3.255", port: 65535)).host == "10.200.3.255")
        #expect(try #require(PeerAddress(numeric: "::1", port: 443)).description == "[::1]:443")
        #expect(try #require(PeerAddress(numeric: "::ffff:127.0.0.1", port: 1)).description == "[::ffff:127.0.0.1]:1")
        #expect(PeerAddress(numeric: "localhost") == nil)
    }

    @Test func digits() {
        var out: [UInt8] = []
        for v in [0, 7, 10, 99, 1000, 123_456_789, Int.max] {
            out.removeAll()
            ASCIIDigits.append(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
        out.removeAll()
        ASCIIDigits.append(7, width: 3, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "007")
    }
}

/// Routing of the status pages by peer, without a socket.
@Suite struct BuiltinRoutesTests {
    static func context(_ peer: String) -> RequestContext {
        RequestContext(worker: WorkerIdentity(pid: 1, slot: 0, generation: 1), served: 1, budget: nil,
                       peer: PeerAddress(numeric: peer, port: 1234)!)
    }

    static func get(_ path: String) -> Request {
        Request(method: "GET", target: path, path: path, query: nil, version: .http1_1)
    }

    @Test(arguments: ["/__status", "/__metrics", "/__health"])
    func loopbackGetsThePageOthersA404(_ path: String) throws {
        let board = try Scoreboard(capacity: 4)
        var config = Configuration()
        let routes = BuiltinRoutes(config: config, scoreboard: board)
        #expect(routes.route(Self.get(path), context: Self.context("127.0.0.1"))?.response.status == 200)
        #expect(routes.route(Self.get(path), context: Self.context("::1"))?.response.status == 200)
        #expect(routes.route(Self.get(path), context: Self.context("192.0.2.2"))?.response.status == 404)
        config.statusFromAnywhere = true
        let open = BuiltinRoutes(config: config, scoreboard: board)
        #expect(open.route(Self.get(path), context: Self.context("192.0.2.2"))?.response.status == 200)
    }

    /// Balancers sit on other hosts: `--health-from-anywhere` opens
    /// /__health alone, the pids and counts stay loopback-only.
    @Test func healthFromAnywhereOpensOnlyHealth() throws {
        var config = Configuration()
        config.healthFromAnywhere = true
        let routes = BuiltinRoutes(config: config, scoreboard: try Scoreboard(capacity: 4))
        #expect(routes.route(Self.get("/__health"), context: Self.context("192.0.2.2"))?.response.status == 200)
        #expect(routes.route(Self.get("/__status"), context: Self.context("192.0.2.2"))?.response.status == 404)
        #expect(routes.route(Self.get("/__metrics"), context: Self.context("192.0.2.2"))?.response.status == 404)
    }

    /// 200 `ready` until the master marks the scoreboard draining, then 503
    /// `draining`; HEAD too; other methods reach the handler.
    @Test func healthTurns503OnceDraining() throws {
        let board = try Scoreboard(capacity: 4)
        let routes = BuiltinRoutes(config: Configuration(), scoreboard: board)
        let ready = try #require(routes.route(Self.get("/__health"), context: Self.context("127.0.0.1"))?.response)
        #expect(ready.status == 200 && ready.body == Array("ready\n".utf8))
        board.markDraining()
        let draining = try #require(routes.route(Self.get("/__health"), context: Self.context("127.0.0.1"))?.response)
        #expect(draining.status == 503 && draining.body == Array("draining\n".utf8))
        var head = Self.get("/__health")
        head.method = "HEAD"
        #expect(routes.route(head, context: Self.context("127.0.0.1"))?.response.status == 503)
        var post = Self.get("/__health")
        post.method = "POST"
        #expect(routes.route(post, context: Self.context("127.0.0.1")) == nil)
    }

    /// The planted defect `no-drain-report`: 200 while draining.
    @Test func plantedDefectHidesTheDrain() throws {
        let board = try Scoreboard(capacity: 4)
        var config = Configuration()
        config.plantedDefect = .noDrainReport
        board.markDraining()
        let routes = BuiltinRoutes(config: config, scoreboard: board)
        #expect(routes.route(Self.get("/__health"), context: Self.context("127.0.0.1"))?.response.status == 200)
    }

    @Test func otherPathsReachTheHandler() throws {
        let routes = BuiltinRoutes(config: Configuration(), scoreboard: try Scoreboard(capacity: 4))
        #expect(routes.route(Self.get("/"), context: Self.context("192.0.2.2")) == nil)
        #expect(routes.route(Self.get("/__statusx"), context: Self.context("127.0.0.1")) == nil)
    }
}

/// The Prometheus exposition: syntax of every line and the values.
@Suite struct MetricsTests {
    @Test func exposition() throws {
        let board = try Scoreboard(capacity: 8)
        let t0 = Instant(nanoseconds: 5_000_000_000)
        board[.startedAt] = Int(t0.nanoseconds)
        board.prepareSpawn(slot: 0, generation: 3, at: t0)
        board.recordPid(slot: 0, pid: 4242)
        board.setServed(slot: 0, 17)
        board.prepareSpawn(slot: 1, generation: 1, at: t0)
        board.recordPid(slot: 1, pid: 4243)
        board.increment(.spawned, by: 4)
        board.increment(.retired, by: 2)
        board.increment(.crashed)
        board.increment(.backoff, by: 5)
        for status in [200, 204, 404, 500, 503, 503] { board.countResponse(status: status) }

        let text = MetricsPage(scoreboard: board).text(now: t0 + .milliseconds(2500))
        let samples = try PrometheusText.parse(text)
        #expect(samples["preforkd_workers_alive"] == 2)
        #expect(samples[#"preforkd_worker_served{slot="0"}"#] == 17)
        #expect(samples[#"preforkd_worker_generation{slot="0"}"#] == 3)
        #expect(samples[#"preforkd_worker_generation{slot="1"}"#] == 1)
        #expect(samples[#"preforkd_worker_served{slot="2"}"#] == nil)  // never used
        #expect(samples["preforkd_workers_spawned_total"] == 4)
        #expect(samples[#"preforkd_worker_exits_total{reason="retired"}"#] == 2)
        #expect(samples[#"preforkd_worker_exits_total{reason="crashed"}"#] == 1)
        #expect(samples[#"preforkd_worker_exits_total{reason="killed_by_timeout"}"#] == 0)
        #expect(samples[#"preforkd_worker_exits_total{reason="boot_failed"}"#] == 0)
        #expect(samples[#"preforkd_worker_exits_total{reason="stopped"}"#] == 0)
        #expect(samples["preforkd_backoff_events_total"] == 5)
        #expect(samples[#"preforkd_responses_total{class="2xx"}"#] == 2)
        #expect(samples[#"preforkd_responses_total{class="4xx"}"#] == 1)
        #expect(samples[#"preforkd_responses_total{class="5xx"}"#] == 3)
        #expect(samples["preforkd_uptime_seconds"] == 2.5)
    }

    @Test func contentTypeIsTheTextFormat() throws {
        let response = MetricsPage(scoreboard: try Scoreboard(capacity: 2)).render()
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func labelValuesAreEscaped() {
        #expect(MetricsWriter.escape("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }
}

/// A strict reader of the text format used by the tests: HELP and TYPE come
/// first for every family, names and labels are well formed, values parse.
enum PrometheusText {
    struct Malformed: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var helped: Set<String> = [], typed: Set<String> = []
        guard text.hasSuffix("\n") else { throw Malformed(description: "no final newline") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let words = line.split(separator: " ", maxSplits: 3)
            if line.hasPrefix("# HELP ") {
                guard words.count == 4 else { throw Malformed(description: "HELP: \(line)") }
                helped.insert(String(words[2]))
            } else if line.hasPrefix("# TYPE ") {
                guard words.count == 4, ["counter", "gauge"].contains(words[3]), helped.contains(String(words[2])) else {
                    throw Malformed(description: "TYPE: \(line)")
                }
                typed.insert(String(words[2]))
            } else {
                guard words.count == 2, let value = Double(words[1]) else { throw Malformed(description: "sample: \(line)") }
                let series = String(words[0])
                let name = String(series.prefix { $0 != "{" })
                guard typed.contains(name), name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                    throw Malformed(description: "undeclared: \(line)")
                }
                if series.contains("{") {
                    guard series.hasSuffix("\"}"), series.contains("=\"") else { throw Malformed(description: "labels: \(line)") }
                }
                guard samples.updateValue(value, forKey: series) == nil else { throw Malformed(description: "duplicate: \(line)") }
            }
        }
        return samples
    }
}

@preconcurrency import Glibc
import HTTP1
import Testing
@testable import Prefork

/// Access log lines as written to a file: fields, escaping, both formats, reopen.
@Suite struct AccessLogTests {
    static func tempPath(_ name: String) -> String { "/tmp/preforktests-\(getpid())-\(name)" }

    static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func request(_ target: String, headers: HTTPHeaders = HTTPHeaders()) -> Request {
        Request(method: "GET", target: target, path: target, query: nil, version: .http1_1, headers: headers)
    }

    static func record(_ log: AccessLog, _ request: Request?, status: Int = 200) {
        let captured = request.map { log.capture($0, started: .now() + .milliseconds(-3)) }
        log.record(captured, version: .http1_1, status: status, bytes: 120, bodyBytes: 20,
                   peer: PeerAddress(numeric: "127.0.0.1", port: 5555)!, pid: 4242, served: 7, connectionRequest: 2)
    }

    @Test func logfmtLine() throws {
        let path = Self.tempPath("logfmt")
        defer { unlink(path) }
        let log = try AccessLog(path: path, format: .logfmt)
        Self.record(log, Self.request("/a?b=1"))
        Self.record(log, nil, status: 400)
        let lines = Self.read(path).split(separator: "\n")
        try #require(lines.count == 2)
        let first = String(lines[0])
        #expect(first.hasPrefix("ts=20"))
        #expect(first.contains(#" peer=127.0.0.1:5555 method=GET target="/a?b=1" version=HTTP/1.1 status=200 bytes=120 duration_us="#))
        #expect(first.hasSuffix(" pid=4242 served=7 conn_request=2"))
        let micros = first.split(separator: " ").first { $0.hasPrefix("duration_us=") }.flatMap { Int($0.dropFirst(12)) }
        #expect((micros ?? 0) >= 3000 && (micros ?? 0) < 3_000_000)
        #expect(lines[1].contains(" method=- target=- version=HTTP/1.1 status=400 "))
    }

    @Test func combinedLine() throws {
        let path = Self.tempPath("combined")
        defer { unlink(path) }
        let log = try AccessLog(path: path, format: .combined)
        Self.record(log, Self.request("/x", headers: ["User-Agent": "curl/8", "Referer": "http://r/"]))
        Self.record(log, Self.request("/y"))
        let lines = Self.read(path).split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        // 127.0.0.1 - - [27/Nov/2026:03:30:00 +0000] "GET /x HTTP/1.1" 200 20 "http://r/" "curl/8" duration_us=...
        let l = lines[0]
        #expect(l.hasPrefix("127.0.0.1 - - ["))
        #expect(l.contains(#" +0000] "GET /x HTTP/1.1" 200 20 "http://r/" "curl/8" duration_us="#))
        #expect(l.hasSuffix(" pid=4242 served=7 conn_request=2"))
        let stamp = l.split(separator: "[")[1].prefix(20)  // dd/Mon/yyyy:HH:MM:SS
        #expect(stamp.count == 20 && stamp.dropFirst(2).hasPrefix("/") && stamp.dropFirst(6).hasPrefix("/"))
        #expect(lines[1].contains(#""GET /y HTTP/1.1" 200 20 "-" "-""#))
    }

    @Test func hostileBytesStayOnOneLine() throws {
        let path = Self.tempPath("hostile")
        defer { unlink(path) }
        for format in AccessLogFormat.allCases {
            let log = try AccessLog(path: path, format: format)
            Self.record(log, Self.request("/q\"uo te\\\n\r\u{7F}é", headers: ["User-Agent": "a\"b\nc"]))
        }
        let lines = Self.read(path).split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        #expect(lines[0].contains(#"target="/q\"uo te\\\x0a\x0d\x7f\xc3\xa9""#))
        #expect(lines[1].contains(#""GET /q\"uo te\\\x0a\x0d\x7f\xc3\xa9 HTTP/1.1""#))
        #expect(lines[1].contains(#""a\"b\x0ac""#))
    }

    @Test func reopenFollowsThePath() throws {
        let path = Self.tempPath("reopen")
        defer { unlink(path); unlink(path + ".1") }
        let log = try AccessLog(path: path, format: .logfmt)
        Self.record(log, Self.request("/before"))
        #expect(rename(path, path + ".1") == 0)
        Self.record(log, Self.request("/still-old"))
        #expect(log.reopen() == nil)
        Self.record(log, Self.request("/after"))
        #expect(Self.read(path + ".1").split(separator: "\n").count == 2)
        let fresh = Self.read(path)
        #expect(fresh.split(separator: "\n").count == 1 && fresh.contains("target=/after"))
    }
}

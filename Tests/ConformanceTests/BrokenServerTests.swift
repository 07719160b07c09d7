import Foundation
import Glibc
import Harness
import Testing
@testable import Conformance

/// A tiny raw-socket server for tests. `.naive` answers 200 to every "\r\n\r\n"
/// it sees, ignoring Content-Length and Transfer-Encoding (the classic
/// smuggling victim); `.refusing` answers 400 and closes on any request that
/// carries a body-framing field or lacks Host, and 200 keep-alive to the rest;
/// `.refusingKeepOpen` answers 400 to every head and keeps reading (a server
/// that refuses but then parses the bytes behind a bad request).
final class TinyServer: @unchecked Sendable {
    enum Mode { case naive, refusing, refusingKeepOpen }

    private let mode: Mode
    private let acceptor: Acceptor
    var port: Int { acceptor.port }

    convenience init(naive: Bool) throws { try self.init(naive ? .naive : .refusing) }

    init(_ mode: Mode) throws {
        self.mode = mode
        acceptor = try Acceptor()
        acceptor.start { [self] fd in serve(fd) }
    }

    /// Stops accepting (idempotent).
    func stop() { acceptor.stop() }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            buf += chunk[0..<n]
            while let end = headEnd(buf) {
                let head = String(decoding: buf[0..<end], as: UTF8.self).lowercased()
                buf.removeFirst(end)
                if mode == .refusingKeepOpen {
                    reply(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n")
                    continue
                }
                if mode == .refusing && (head.contains("content-length") || head.contains("transfer-encoding") || !head.contains("host:")) {
                    reply(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                }
                reply(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\nok")
            }
        }
    }

    private func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private func reply(_ fd: Int32, _ s: String) {
        _ = Array(s.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

@Suite(.serialized) struct BrokenServerTests {
    func run(_ server: TinyServer, _ ids: [String]) throws -> [String: String] {
        var o = ConformanceOptions()
        o.cases = ids
        o.caseTimeout = 3
        let report = try runConformance(baseURL: "http://127.0.0.1:\(server.port)/", options: o)
        return Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.outcome) })
    }

    static let smuggling = ["9112-6.3-conflicting-cl", "9112-3.2-missing-host", "9112-6.1-te-and-cl-hidden-request",
                            "9112-6.3-cl-negative", "9112-6.1-te-xchunked"]

    @Test func naiveFramingServerFailsTheSmugglingCases() throws {
        let server = try TinyServer(naive: true)
        defer { server.stop() }
        let got = try run(server, Self.smuggling + ["9112-3-valid-get"])
        for id in Self.smuggling { #expect(got[id] == "FAIL", "\(id) should FAIL against a naive server") }
        #expect(got["9112-3-valid-get"] == "PASS")
    }

    @Test func refusingServerPassesThem() throws {
        let server = try TinyServer(naive: false)
        defer { server.stop() }
        let got = try run(server, Self.smuggling + ["9112-3-valid-get", "9112-3-valid-get@bytewise"])
        for (id, outcome) in got { #expect(outcome == "PASS", "\(id)") }
        #expect(got.count == Self.smuggling.count + 2)
    }

    @Test func reportClosingLine() throws {
        let server = try TinyServer(naive: true)
        defer { server.stop() }
        var o = ConformanceOptions()
        o.cases = ["9112-3-valid-get", "9112-6.3-conflicting-cl", "9112-6.2-cl-echo"]
        let report = try runConformance(baseURL: "http://127.0.0.1:\(server.port)/", options: o)
        #expect(report.closingLine == "1 passed, 1 failed, 1 skipped")
        #expect(!report.ok)
        #expect(report.junit().contains("<failure"))
    }
}

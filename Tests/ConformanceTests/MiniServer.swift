import Foundation
import Glibc
import Harness
@testable import Conformance

/// A small, mostly correct HTTP/1.1 origin server for tests (raw sockets, a
/// thread per connection), with `/__fault/echo`, validators and 304, HEAD,
/// Expect: 100-continue, Content-Length and chunked bodies. With no flaws it
/// passes the cases each `Flaw` lists; each flaw breaks exactly one thing.
final class MiniServer: @unchecked Sendable {
    let flaws: Set<Flaw>
    private let acceptor: Acceptor
    var port: Int { acceptor.port }

    init(_ flaws: Set<Flaw> = []) throws {
        self.flaws = flaws
        acceptor = try Acceptor()
        acceptor.start(serial: flaws.contains(.serial)) { [self] fd in serve(fd) }
    }

    convenience init(_ flaw: Flaw) throws { try self.init([flaw]) }

    var url: String { "http://127.0.0.1:\(port)/" }

    /// Stops accepting (idempotent).
    func stop() { acceptor.stop() }

    private func serve(_ fd: Int32) {
        let conn = MiniConnection(fd: fd)
        defer {
            close(fd)
            if conn.wasReset && flaws.contains(.diesOnReset) { stop() }
        }
        while let request = nextRequest(conn) {
            guard case .ok(let req) = request else {
                if case .refuse(let status) = request { conn.send(Self.plain(status, keepAlive: false)) }
                return
            }
            guard let body = readBody(req, conn) else { return }
            let keepAlive = req.keepAlive || flaws.contains(.ignoresConnectionClose)
            conn.respond(respond(req, body: body, keepAlive: keepAlive), reversed: flaws.contains(.answersPipelineReversed))
            if !keepAlive || flaws.contains(.closesSilently) || flaws.contains(.closeDelimited) {
                conn.flush()
                return
            }
        }
    }

    enum Parsed {
        case ok(MiniRequest)
        case refuse(Int)
    }

    /// Waits for a whole head (nil on EOF/reset) and parses it.
    private func nextRequest(_ conn: MiniConnection) -> Parsed? {
        while conn.headEnd() == nil {
            if conn.hasPending && !conn.readable(within: 0.15) { conn.flush() }
            switch conn.fill() {
            case .more: continue
            case .reset, .eof: return nil
            }
        }
        let end = conn.headEnd()!
        let head = Array(conn.buffer[0..<end])
        conn.buffer.removeFirst(end)
        guard let req = MiniRequest(head: head) else { return .refuse(400) }
        return .ok(req)
    }

    /// The body by Content-Length or chunked; nil when the connection must end.
    private func readBody(_ req: MiniRequest, _ conn: MiniConnection) -> [UInt8]? {
        if let te = req.field("transfer-encoding") {
            guard te.lowercased() == "chunked", req.field("content-length") == nil, req.version == "HTTP/1.1" else {
                conn.send(Self.plain(400, keepAlive: false))
                return nil
            }
            if flaws.contains(.ignoresChunked) { return [] }
            return conn.readChunked()
        }
        guard let cl = req.field("content-length") else { return [] }
        guard !cl.isEmpty, cl.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), cl.count < 10, let n = Int(cl) else {
            conn.send(Self.plain(400, keepAlive: false))
            return nil
        }
        if req.expectsContinue && !flaws.contains(.neverContinues) { conn.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        guard let body = conn.read(count: n) else {
            if flaws.contains(.answersIncompleteBody) {
                conn.send(respond(req, body: conn.buffer, keepAlive: false))
            }
            return nil
        }
        return body
    }

    static let etag = "\"v1\""

    /// The response bytes for a request.
    func respond(_ req: MiniRequest, body: [UInt8], keepAlive: Bool) -> [UInt8] {
        var status = 200
        var content = Array("hello from mini\n".utf8)
        var fields = [("Content-Type", "text/plain"), ("ETag", Self.etag)]
        if req.method == "POST" && req.path == "/__fault/echo" {
            content = body
            fields = [("Content-Type", "application/octet-stream")]
        } else if req.field("if-none-match") == Self.etag {
            status = 304
            content = flaws.contains(.bodyOn304) ? Array("hello".utf8) : []
        }
        let isHead = req.method == "HEAD"
        if isHead && flaws.contains(.headOtherHeaders) { fields[0].1 = "text/html" }
        var lines = ["HTTP/1.1 \(status) \(status == 304 ? "Not Modified" : "OK")"]
        if !flaws.contains(.noDate) {
            lines.append("Date: " + (flaws.contains(.rfc850Date) ? "Sunday, 06-Nov-94 08:49:37 GMT" : "Sun, 06 Nov 1994 08:49:37 GMT"))
        }
        let length = isHead && flaws.contains(.headOtherHeaders) ? 0 : content.count
        if !flaws.contains(.closeDelimited) && (status != 304 || flaws.contains(.bodyOn304)) {
            lines.append("Content-Length: \(length)")
        }
        if !keepAlive && !flaws.contains(.ignoresConnectionClose) { lines.append("Connection: close") }
        if keepAlive && req.version == "HTTP/1.0" { lines.append("Connection: keep-alive") }
        lines += fields.map { "\($0.0): \($0.1)" }
        let sendBody = !isHead || flaws.contains(.bodyOnHead)
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + (sendBody ? content : [])
    }

    static func plain(_ status: Int, keepAlive: Bool) -> [UInt8] {
        Array("HTTP/1.1 \(status) Error\r\nContent-Length: 0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\(keepAlive ? "" : "Connection: close\r\n")\r\n".utf8)
    }
}

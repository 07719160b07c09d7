import Foundation
import Glibc

/// One accepted connection of `MiniServer`: a read buffer, body readers, and
/// responses (optionally held back and sent in reverse order).
final class MiniConnection {
    let fd: Int32
    var buffer: [UInt8] = []
    /// The peer reset the connection (ECONNRESET) at some read.
    private(set) var wasReset = false
    private var pending: [[UInt8]] = []

    init(fd: Int32) { self.fd = fd }

    enum Fill { case more, eof, reset }

    /// One recv into the buffer.
    func fill() -> Fill {
        var chunk = [UInt8](repeating: 0, count: 8192)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer += chunk[0..<n]
            return .more
        }
        if n == 0 { return .eof }
        wasReset = true
        return .reset
    }

    /// True when bytes (or EOF) arrive within `seconds`.
    func readable(within seconds: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(seconds * 1000)) > 0
    }

    /// Index just past the first CRLFCRLF.
    func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Exactly `count` bytes (nil on EOF first; what came stays in `buffer`).
    func read(count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() == .more else { return nil }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[0..<count])
    }

    /// A CRLF-terminated line, without the CRLF.
    func line() -> [UInt8]? {
        while true {
            if let i = buffer.firstIndex(of: 10), i > 0, buffer[i - 1] == 13 {
                defer { buffer.removeFirst(i + 1) }
                return Array(buffer[0..<(i - 1)])
            }
            guard fill() == .more else { return nil }
        }
    }

    /// A chunked body (extensions ignored, trailers skipped); nil on EOF or a
    /// bad chunk (after sending 400).
    func readChunked() -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let l = line() else { return nil }
            let hex = l.prefix { $0 != UInt8(ascii: ";") }
            guard !hex.isEmpty, hex.count <= 8, let size = Int(String(decoding: hex, as: UTF8.self), radix: 16), size >= 0,
                  hex.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0
                      || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0 }) else {
                send(MiniServer.plain(400, keepAlive: false))
                return nil
            }
            if size == 0 {
                while let t = line(), !t.isEmpty {}
                return body
            }
            guard let data = read(count: size), let end = line() else { return nil }
            guard end.isEmpty else {
                send(MiniServer.plain(400, keepAlive: false))
                return nil
            }
            body += data
        }
    }

    /// Sends now, or holds it back when responses go out reversed.
    func respond(_ bytes: [UInt8], reversed: Bool) {
        if reversed { pending.append(bytes) } else { send(bytes) }
    }

    var hasPending: Bool { !pending.isEmpty }

    /// Sends held-back responses, last first.
    func flush() {
        for r in pending.reversed() { send(r) }
        pending = []
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// A parsed request head (strict: SP-separated request line, CRLF lines,
/// `name: value` fields, Host required on 1.1).
struct MiniRequest {
    var method: String
    var path: String
    var version: String
    var fields: [(String, String)]

    init?(head: [UInt8]) {
        var text = String(decoding: head, as: UTF8.self)
        if text.hasPrefix("\r\n") { text.removeFirst() }  // one leading empty line is ignored ("\r\n" is one Character)
        let lines = text.components(separatedBy: "\r\n").dropLast(2)
        guard let first = lines.first else { return nil }
        let parts = first.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, ["HTTP/1.0", "HTTP/1.1"].contains(parts[2]) else { return nil }
        method = String(parts[0])
        path = parts[1].hasPrefix("http://") ? "/" + parts[1].dropFirst(7).drop { $0 != "/" }.dropFirst() : String(parts[1])
        version = String(parts[2])
        fields = []
        for l in lines.dropFirst() {
            guard let colon = l.firstIndex(of: ":"), colon != l.startIndex, !l.hasPrefix(" "), !l.hasPrefix("\t") else { return nil }
            fields.append((l[..<colon].lowercased(), l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if version == "HTTP/1.1" && fields.filter({ $0.0 == "host" }).count != 1 { return nil }
    }

    func field(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    var keepAlive: Bool {
        let c = field("connection")?.lowercased() ?? ""
        return version == "HTTP/1.1" ? !c.contains("close") : c.contains("keep-alive")
    }

    var expectsContinue: Bool { version == "HTTP/1.1" && field("expect")?.lowercased() == "100-continue" }
}

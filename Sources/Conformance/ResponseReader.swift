/// How a response's body length was determined (RFC 9112 §6.3).
public enum BodyFraming: String, Sendable, Codable {
    /// HEAD, 1xx, 204, 304: no content by definition.
    case none
    case contentLength
    case chunked
    /// Read until the server closed the connection.
    case closeDelimited
}

/// One response as parsed by the suite's own reader.
public struct RawResponse: Sendable, Equatable {
    /// "HTTP/1.1".
    public var version: String
    public var status: Int
    public var reason: String
    public var headers: [Header]
    public var body: [UInt8]
    public var framing: BodyFraming
    /// Status codes of interim (1xx) responses that preceded this one.
    public var interim: [Int]

    /// One header field line, as received.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// The first value of `name` (case-insensitive), trimmed.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// All values of `name`, in order.
    public func headers(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// True when a Connection header lists `option` (case-insensitive).
    public func connectionHas(_ option: String) -> Bool {
        headers("connection").flatMap { $0.split(separator: ",") }
            .contains { $0.trimmingSpaces().lowercased() == option.lowercased() }
    }

    /// "400 Bad Request (close-delimited, 0 bytes)" for failure messages.
    public var summary: String { "\(status) \(reason)" }
}

/// What the reader made of a byte stream.
public struct ReadOutcome: Sendable, Equatable {
    /// Final responses, in order.
    public var responses: [RawResponse]
    /// Bytes after the last complete response that do not form one yet.
    public var leftover: Int
    /// Set when the bytes cannot be a valid HTTP/1.x response stream.
    public var error: String?
}

/// Parses a stream of HTTP/1.x responses: status line, header fields,
/// Content-Length / chunked / close-delimited bodies, 1xx interim responses,
/// several responses back to back. Written from RFC 9112 for the client side
/// only; it must never share code with the server's parser.
public enum ResponseReader {
    /// Parses as many complete responses as `bytes` holds. `heads[i]` says
    /// whether the i-th request was HEAD (its response has no body); `eof`
    /// says the server closed, which completes a close-delimited body.
    public static func parse(_ bytes: [UInt8], heads: [Bool] = [], eof: Bool) -> ReadOutcome {
        var out = ReadOutcome(responses: [], leftover: 0, error: nil)
        var pos = 0
        var interim: [Int] = []
        while pos < bytes.count {
            let isHead = out.responses.count < heads.count ? heads[out.responses.count] : false
            switch parseOne(bytes, from: pos, isHead: isHead, eof: eof) {
            case .needMore:
                out.leftover = bytes.count - pos
                return out
            case .invalid(let why):
                out.error = why
                out.leftover = bytes.count - pos
                return out
            case .done(var response, let next):
                pos = next
                if response.status < 200 {
                    interim.append(response.status)
                    continue
                }
                response.interim = interim
                interim = []
                out.responses.append(response)
            }
        }
        return out
    }

    enum Step {
        case done(RawResponse, Int)
        case needMore
        case invalid(String)
    }

    static func parseOne(_ b: [UInt8], from start: Int, isHead: Bool, eof: Bool) -> Step {
        guard let headEnd = findHeadEnd(b, from: start) else {
            if b.count - start > 1 << 20 { return .invalid("response head over 1 MiB") }
            if eof { return .invalid("truncated response head: \(preview(b[start...]))") }
            return .needMore
        }
        let lines = splitLines(b[start..<headEnd.headerEnd])
        guard let first = lines.first, let statusLine = parseStatusLine(first) else {
            return .invalid("bad status line: \(preview(lines.first ?? []))")
        }
        var response = RawResponse(version: statusLine.0, status: statusLine.1, reason: statusLine.2,
                                   headers: [], body: [], framing: .none, interim: [])
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .invalid("header line without colon: \(preview(line))")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            response.headers.append(.init(name: name, value: value))
        }
        return readBody(b, bodyStart: headEnd.bodyStart, response: response, isHead: isHead, eof: eof)
    }

    static func readBody(_ b: [UInt8], bodyStart: Int, response: RawResponse, isHead: Bool, eof: Bool) -> Step {
        var r = response
        let s = r.status
        if isHead || s < 200 || s == 204 || s == 304 { return .done(r, bodyStart) }
        if let te = r.header("transfer-encoding") {
            guard te.lowercased().hasSuffix("chunked") else {
                // Not chunked-final: the body runs until close (§6.3 item 4, response side).
                if !eof { return .needMore }
                r.body = Array(b[bodyStart...]); r.framing = .closeDelimited
                return .done(r, b.count)
            }
            switch ChunkedDecoder.decode(b, from: bodyStart) {
            case .needMore: return eof ? .invalid("chunked body cut short by close") : .needMore
            case .invalid(let why): return .invalid("bad chunked response body: \(why)")
            case .done(let body, let next):
                r.body = body; r.framing = .chunked
                return .done(r, next)
            }
        }
        let lengths = r.headers("content-length")
        if !lengths.isEmpty {
            guard Set(lengths).count == 1, let n = Int(lengths[0]), n >= 0 else {
                return .invalid("bad Content-Length in response: \(lengths)")
            }
            if b.count - bodyStart < n {
                return eof ? .invalid("body shorter than Content-Length \(n) at close") : .needMore
            }
            r.body = Array(b[bodyStart..<(bodyStart + n)]); r.framing = .contentLength
            return .done(r, bodyStart + n)
        }
        if !eof { return .needMore }
        r.body = Array(b[bodyStart...]); r.framing = .closeDelimited
        return .done(r, b.count)
    }

    /// Index of the end of the header section (excluding the empty line) and of the body start.
    static func findHeadEnd(_ b: [UInt8], from start: Int) -> (headerEnd: Int, bodyStart: Int)? {
        var i = start
        while i < b.count {
            if b[i] == 10 {
                // Line end at i; is the next line empty (CRLF or LF)?
                if i + 1 < b.count, b[i + 1] == 10 { return (i, i + 2) }
                if i + 2 < b.count, b[i + 1] == 13, b[i + 2] == 10 { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    /// Splits on LF, dropping a CR before it.
    static func splitLines(_ s: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = s.startIndex
        for i in s.indices where s[i] == 10 {
            var end = i
            if end > lineStart, s[end - 1] == 13 { end -= 1 }
            lines.append(s[lineStart..<end])
            lineStart = i + 1
        }
        var end = s.endIndex
        if end > lineStart, s[end - 1] == 13 { end -= 1 }
        if lineStart < end || lines.isEmpty { lines.append(s[lineStart..<end]) }
        return lines
    }

    /// "HTTP/1.1 200 OK" → ("HTTP/1.1", 200, "OK").
    static func parseStatusLine(_ line: ArraySlice<UInt8>) -> (String, Int, String)? {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              let code = Int(parts[1]), code >= 100, code <= 999 else { return nil }
        return (String(parts[0]), code, parts.count > 2 ? String(parts[2]) : "")
    }

    /// Up to 60 bytes, escaped, for messages.
    static func preview<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Escape.bytes(Array(bytes.prefix(60)))
    }
}

extension StringProtocol {
    /// Trims SP and HTAB (the only whitespace HTTP allows around values).
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Escapes bytes for one-line messages: CR → \r, LF → \n, other controls → \xNN.
enum Escape {
    static func bytes(_ b: [UInt8]) -> String {
        var s = ""
        for c in b {
            switch c {
            case 13: s += "\\r"
            case 10: s += "\\n"
            case 9: s += "\\t"
            case 32..<127: s.append(Character(Unicode.Scalar(c)))
            default: s += "\\x" + String(c, radix: 16, uppercase: true).leftPad(2)
            }
        }
        return s
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// How the connection stood when the suite stopped reading.
public enum ConnectionEnd: String, Sendable, Codable {
    /// The server sent FIN.
    case closed
    /// The server reset the connection (RST).
    case reset
    /// Still open after the quiet window.
    case open
}

/// Everything seen on one connection after sending a case's bytes.
public struct Observation: Sendable, Equatable {
    /// Final responses, parsed by `ResponseReader`, in order.
    public var responses: [RawResponse]
    /// Connection state at the end.
    public var end: ConnectionEnd
    /// The reader's complaint, if the bytes were not a valid response stream.
    public var readError: String?
    /// Unparsed bytes after the last complete response.
    public var leftover: Int
    /// The first bytes received, for evidence in failure messages.
    public var head: [UInt8]

    public init(responses: [RawResponse], end: ConnectionEnd, readError: String? = nil,
                leftover: Int = 0, head: [UInt8] = []) {
        self.responses = responses
        self.end = end
        self.readError = readError
        self.leftover = leftover
        self.head = head
    }

    /// Parses canned bytes (unit tests, and the exchange itself).
    public static func from(bytes: [UInt8], heads: [Bool], end: ConnectionEnd) -> Observation {
        let r = ResponseReader.parse(bytes, heads: heads, eof: end != .open)
        return Observation(responses: r.responses, end: end, readError: r.error,
                           leftover: r.leftover, head: Array(bytes.prefix(120)))
    }

    /// "2 responses [400, 200], connection closed" for FAIL lines.
    public var summary: String {
        var s: String
        if responses.isEmpty {
            s = "no response"
        } else {
            let codes = responses.map { r in
                (r.interim.isEmpty ? "" : r.interim.map(String.init).joined(separator: "+") + "+") + String(r.status)
            }
            s = "\(responses.count) response\(responses.count == 1 ? "" : "s") [\(codes.joined(separator: ", "))]"
        }
        s += ", connection \(end.rawValue)"
        if let e = readError { s += ", unreadable: \(e)" } else if leftover > 0 { s += ", \(leftover) stray bytes" }
        return s
    }
}

/// Sends one case's bytes on a fresh connection and records what comes back.
struct Exchange {
    var host: String
    var port: Int
    /// Hard limit for the whole exchange, seconds.
    var timeout: Double
    /// After the expected responses arrived, how long to wait for more bytes
    /// or a close before calling the connection open.
    var quiet: Double

    /// Opens a connection, sends `bytes` (optionally one byte per write),
    /// optionally half-closes, and reads until close, timeout, or `expected`
    /// responses followed by `quiet` seconds of silence.
    func run(_ bytes: [UInt8], heads: [Bool], expected: Int, bytewise: Bool = false,
             shutdownWrite: Bool = false) throws -> Observation {
        let sock = try RawSocket(host: host, port: port, timeout: timeout)
        let start = Clock.now()
        sock.send(bytes, bytewise: bytewise)
        if shutdownWrite { sock.shutdownWrite() }
        return collect(sock, heads: heads, expected: expected, start: start)
    }

    /// Reads from an already used socket (interactive cases).
    func collect(_ sock: RawSocket, heads: [Bool], expected: Int, start: Double,
                 prefix: [UInt8] = []) -> Observation {
        var buffer = prefix
        var lastActivity = Clock.now()
        let hardDeadline = start + timeout
        var end = ConnectionEnd.open
        reading: while true {
            let parsed = ResponseReader.parse(buffer, heads: heads, eof: false)
            var deadline = hardDeadline
            if parsed.responses.count >= expected && parsed.leftover == 0 {
                deadline = min(deadline, lastActivity + quiet)
            }
            switch sock.read(until: deadline) {
            case .bytes(let b):
                buffer += b
                lastActivity = Clock.now()
            case .eof: end = .closed; break reading
            case .reset: end = .reset; break reading
            case .timeout: break reading
            }
        }
        return Observation.from(bytes: buffer, heads: heads, end: end)
    }
}

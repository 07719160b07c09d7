import HTTP1
import Logging

/// Runs the request path once in the master, on memory only (no socket),
/// before the first fork.
///
/// Why: the Swift runtime builds some type metadata lazily, on first use in a
/// process (for example `Optional<Connection.DelayedReply>`, `Request?`, the
/// `Connection` class itself), by demangling the type's name. A worker forked
/// from a master that never used those types builds them again, in every
/// generation: with --lifetime 100 under load, perf showed about 280 samples
/// in 2 s (0.25 ms each) of workers in swift_getTypeByMangledName and
/// friends, plus the page faults of the demangler's code. Built once here, the
/// metadata is inherited with the master's heap (copy-on-write, shared).
enum MetadataWarmup {
    static let sampleRequest = Array("GET /warmup HTTP/1.1\r\nHost: warmup\r\nAccept: */*\r\n\r\n".utf8)

    /// Types a worker copies or destroys through the runtime (its setup, the
    /// access log, log metadata, the parser's results): building this array
    /// fills the same per-type caches the worker's code would fill. A stored
    /// global, so the optimizer cannot fold it away.
    static let touchedTypes: [Any.Type] = [
        AccessLog?.self, AccessRequest?.self, Request?.self, Connection.DelayedReply?.self, FileBody?.self,
        Logger.MetadataValue?.self, (String, Logger.MetadataValue).self, [Connection?].self,
    ]

    static func run(config: Configuration) {
        let now = Instant.now()
        let limits = ParserLimits(maxBody: config.maxBody)
        // fd -1: Connection never closes its descriptor by itself.
        let connection = Connection(fd: -1, limits: limits, now: now)
        sampleRequest.withUnsafeBytes { connection.parser.feed($0) }
        connection.trackPhase(now: now)
        guard let request = try? connection.parser.next() else { return }
        let facts = Connection.RequestFacts(version: request.version, keepAlive: request.keepAlive, headOnly: request.isHead)
        let response = Response(status: 200, headers: ["Content-Type": "text/plain"], body: Array("warm".utf8))
        connection.state = .delaying(.init(response: response, request: facts, served: 1, due: now))
        let delayed = connection.delayedReply
        if !connection.isOpen { connection.state = .open }  // the worker's serve loop test
        // The arrays a worker allocates (Epoll's ready lists, the connection table).
        let table: [Connection?] = Array(repeating: connection, count: 1)
        let ready = ([Int32](repeating: 0, count: 1), [UInt32](repeating: 0, count: 1))
        var dates = DateCache()
        ResponseSerializer.append(
            delayed?.response ?? response, version: facts.version, keepAlive: facts.keepAlive, headOnly: facts.headOnly,
            dateField: dates.field(), into: &connection.output)
        connection.trackPhase(now: now)
        _ = (connection.isIdle, table.count, ready.0.count + ready.1.count)
        _ = touchedTypes.count
    }
}

@preconcurrency import Glibc
import HTTP1

/// The access log's line format (`--access-log-format`).
public enum AccessLogFormat: String, Sendable, CaseIterable {
    /// `ts=... peer=... method=... target=... version=... status=... bytes=...
    /// duration_us=... pid=... served=... conn_request=...` (like the event log).
    case logfmt
    /// Apache/nginx "combined", then `duration_us= pid= served= conn_request=`.
    case combined
}

/// What the access log keeps of a request until its response is queued (a
/// delayed reply is written after the request value is gone).
struct AccessRequest {
    var method: String
    var target: String
    /// When the worker first saw bytes of this request (see `AccessLog`).
    var started: Instant
    /// Only captured for the combined format.
    var referer: String?
    var userAgent: String?
}

/// One line per answered request, formatted into a reused byte buffer and
/// written with one write() on an O_APPEND descriptor: lines from all workers
/// never interleave. The master opens it before the first fork; every process
/// reopens it on USR1 (logrotate).
///
/// `duration_us` runs from the worker's first sight of the request (the read
/// that brought its first bytes; for requests pipelined behind another, the
/// read that completed them) to the moment the serialized response is queued
/// on the connection: it is the server's time, not the network's.
/// `bytes` is the whole response as queued (status line, headers, body);
/// combined's size field is the body alone (nginx's `$body_bytes_sent`).
final class AccessLog {
    /// The path as given; "-" is standard error.
    let path: String
    let format: AccessLogFormat
    private let file: AppendFile
    private var line: [UInt8] = []
    private var clock = WallClockText()

    init(path: String, format: AccessLogFormat, blocking: Bool = false) throws(PosixError) {
        self.path = path
        self.format = format
        file = try AppendFile(path: path == "-" ? nil : path, blocking: blocking)
        line.reserveCapacity(512)
    }

    /// Lines that could not be written wait or are dropped (see AppendFile).
    var backPressure: AppendFile { file }

    /// Reopens the file after logrotate renamed it; on failure keeps the old one.
    @discardableResult
    func reopen() -> PosixError? { file.reopen() }

    /// Keeps what the line needs from `request`; `started` per the type's doc.
    func capture(_ request: Request, started: Instant) -> AccessRequest {
        var kept = AccessRequest(method: request.method, target: request.target, started: started)
        if format == .combined {
            kept.referer = request.headers["Referer"]
            kept.userAgent = request.headers["User-Agent"]
        }
        return kept
    }

    /// Formats and writes one line. `request` is nil for a request the parser
    /// refused (logged with `-` for method and target).
    func record(_ request: AccessRequest?, version: HTTPVersion, status: Int, bytes: Int, bodyBytes: Int,
                peer: PeerAddress, pid: Int32, served: Int, connectionRequest: Int) {
        let now = Instant.now()
        let entry = AccessEntry(request: request, version: version, status: status, bytes: bytes, bodyBytes: bodyBytes,
                                peer: peer, pid: pid, served: served, connectionRequest: connectionRequest,
                                durationMicros: request.map { Int(now.since($0.started).nanosecondsClamped / 1000) } ?? 0)
        line.removeAll(keepingCapacity: true)
        clock.update()
        switch format {
        case .logfmt: entry.appendLogfmt(to: &line, time: clock)
        case .combined: entry.appendCombined(to: &line, time: clock)
        }
        line.append(UInt8(ascii: "\n"))
        writeLine()
    }

    private func writeLine() {
        line.withUnsafeBytes { file.write($0) }
    }
}

/// The facts of one line; formatting lives in AccessLog+Format.swift.
struct AccessEntry {
    var request: AccessRequest?
    var version: HTTPVersion
    var status: Int
    var bytes: Int
    var bodyBytes: Int
    var peer: PeerAddress
    var pid: Int32
    var served: Int
    var connectionRequest: Int
    var durationMicros: Int
}

@preconcurrency import Glibc
import Logging

/// The log sink shared by the master and its workers: one logfmt line per
/// event, written with a single write() on an O_APPEND descriptor so lines from
/// different processes never interleave. `reopen()` serves logrotate (USR1).
final class EventLog: @unchecked Sendable {
    /// nil = standard error.
    var path: String? { file.path }
    private let file: AppendFile

    /// Opens (creating) `path` for appending, or uses stderr when nil.
    /// `blocking` is `--planted-defect blocking-log` (the old, wedging writes).
    init(path: String?, blocking: Bool = false) throws(PosixError) {
        file = try AppendFile(path: path, blocking: blocking)
    }

    /// Lines that could not be written wait or are dropped (AppendFile): the
    /// pending ones are retried each loop turn, drops are counted here.
    var backPressure: AppendFile { file }

    /// Reopens the file at `path` (after logrotate renamed it). On failure the
    /// old descriptor stays: losing the log is worse than writing to the old file.
    @discardableResult
    func reopen() -> PosixError? { file.reopen() }

    /// Writes one complete line (a trailing newline is added) in one write().
    func write(line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { file.write($0) }
    }

    /// A swift-log Logger that writes logfmt lines here.
    func logger(label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label) { _ in LogfmtHandler(sink: self) }
        logger.logLevel = level
        return logger
    }
}

/// swift-log handler rendering `ts=... level=... event=<message> k=v ...`.
/// The message is the event name (stable: tests and operators match on it).
struct LogfmtHandler: LogHandler {
    let sink: EventLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    /// Keys printed first, in this order; the rest follow sorted.
    static let leadingKeys = ["pid", "slot", "generation", "status", "reason", "signal"]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        var line = "ts=\(Timestamp.iso8601Now()) level=\(event.level) event=\(Logfmt.quote(event.message.description))"
        let leading = Self.leadingKeys.filter { all[$0] != nil }
        let rest = all.keys.filter { !Self.leadingKeys.contains($0) }.sorted()
        for key in leading + rest {
            line += " \(key)=\(Logfmt.quote(all[key]!.description))"
        }
        sink.write(line: line)
    }
}

enum Logfmt {
    /// Quotes a value when it holds a space, quote, equals sign or control byte.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x7F }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

enum Timestamp {
    /// UTC wall clock as `2026-11-27T03:30:00.123Z` (no Foundation).
    static func iso8601Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

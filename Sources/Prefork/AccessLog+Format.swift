@preconcurrency import Glibc
import HTTP1

/// Byte-level formatting of access log lines: no Foundation, no String
/// interpolation, everything appended to the log's reused buffer.
extension AccessEntry {
    /// `ts=... peer=... method=... target=... version=... status=... bytes=...
    /// duration_us=... pid=... served=... conn_request=...`
    func appendLogfmt(to out: inout [UInt8], time: WallClockText) {
        out.append(contentsOf: "ts=".utf8)
        time.appendISO8601(to: &out)
        out.append(contentsOf: " peer=".utf8)
        peer.appendHostPort(to: &out)
        out.append(contentsOf: " method=".utf8)
        LogBytes.appendLogfmtValue(request?.method ?? "-", to: &out)
        out.append(contentsOf: " target=".utf8)
        LogBytes.appendLogfmtValue(request?.target ?? "-", to: &out)
        out.append(contentsOf: " version=".utf8)
        appendVersion(to: &out)
        appendNumbers(status: " status=", to: &out)
    }

    /// `host - - [27/Nov/2026:03:30:00 +0000] "GET / HTTP/1.1" 200 37 "referer" "agent"`
    /// then ` duration_us=... pid=... served=... conn_request=...`.
    func appendCombined(to out: inout [UInt8], time: WallClockText) {
        peer.appendHost(to: &out)
        out.append(contentsOf: " - - [".utf8)
        time.appendCommonLog(to: &out)
        out.append(contentsOf: "] \"".utf8)
        if let request {
            LogBytes.appendEscaped(request.method, to: &out)
            out.append(UInt8(ascii: " "))
            LogBytes.appendEscaped(request.target, to: &out)
            out.append(UInt8(ascii: " "))
            appendVersion(to: &out)
        } else {
            out.append(UInt8(ascii: "-"))  // nginx's form for a request line it could not read
        }
        out.append(contentsOf: "\" ".utf8)
        ASCIIDigits.append(status, to: &out)
        out.append(UInt8(ascii: " "))
        ASCIIDigits.append(bodyBytes, to: &out)
        out.append(contentsOf: " \"".utf8)
        LogBytes.appendEscaped(request?.referer ?? "-", to: &out)
        out.append(contentsOf: "\" \"".utf8)
        LogBytes.appendEscaped(request?.userAgent ?? "-", to: &out)
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: " duration_us=".utf8)
        ASCIIDigits.append(durationMicros, to: &out)
        appendWorker(to: &out)
    }

    private func appendVersion(to out: inout [UInt8]) {
        out.append(contentsOf: "HTTP/".utf8)
        ASCIIDigits.append(version.major, to: &out)
        out.append(UInt8(ascii: "."))
        ASCIIDigits.append(version.minor, to: &out)
    }

    private func appendNumbers(status label: String, to out: inout [UInt8]) {
        out.append(contentsOf: label.utf8)
        ASCIIDigits.append(status, to: &out)
        out.append(contentsOf: " bytes=".utf8)
        ASCIIDigits.append(bytes, to: &out)
        out.append(contentsOf: " duration_us=".utf8)
        ASCIIDigits.append(durationMicros, to: &out)
        appendWorker(to: &out)
    }

    private func appendWorker(to out: inout [UInt8]) {
        out.append(contentsOf: " pid=".utf8)
        ASCIIDigits.append(Int(pid), to: &out)
        out.append(contentsOf: " served=".utf8)
        ASCIIDigits.append(served, to: &out)
        out.append(contentsOf: " conn_request=".utf8)
        ASCIIDigits.append(connectionRequest, to: &out)
    }
}

/// Escaping that keeps one request on one line whatever a client sends.
enum LogBytes {
    /// A logfmt value: bare when it is plain visible ASCII without `"`, `=`
    /// or `\`; otherwise quoted with those escaped.
    static func appendLogfmtValue(_ value: String, to out: inout [UInt8]) {
        let utf8 = value.utf8
        let plain = !utf8.isEmpty && (utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isPlain) } ?? utf8.allSatisfy(isPlain))
        if plain {
            out.append(contentsOf: utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        appendEscaped(value, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x3D && byte != 0x5C
    }

    /// `"` and `\` backslashed, control and non-ASCII bytes as `\xHH` (as nginx does).
    static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case 0x22, 0x5C:
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x20..<0x7F:
                out.append(byte)
            default:
                out.append(contentsOf: "\\x".utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            }
        }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? v + 48 : v + 87 }
}

/// The wall clock as text, recomputed (gmtime_r) once per second: ISO 8601
/// for logfmt, `dd/Mon/yyyy:HH:MM:SS +0000` for combined. Always UTC.
struct WallClockText {
    private var second = -1
    private var millis = 0
    private var iso: [UInt8] = []
    private var common: [UInt8] = []
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    mutating func update() {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        millis = ts.tv_nsec / 1_000_000
        guard ts.tv_sec != second else { return }
        second = ts.tv_sec
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        let (year, month, day) = (Int(parts.tm_year) + 1900, Int(parts.tm_mon), Int(parts.tm_mday))
        let (hour, minute, sec) = (Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        iso.removeAll(keepingCapacity: true)
        ASCIIDigits.append(year, width: 4, to: &iso)
        for (separator, value) in [("-", month + 1), ("-", day), ("T", hour), (":", minute), (":", sec)] {
            iso.append(contentsOf: separator.utf8)
            ASCIIDigits.append(value, width: 2, to: &iso)
        }
        common.removeAll(keepingCapacity: true)
        ASCIIDigits.append(day, width: 2, to: &common)
        common.append(contentsOf: ("/" + Self.months[month] + "/").utf8)
        ASCIIDigits.append(year, width: 4, to: &common)
        for value in [hour, minute, sec] {
            common.append(UInt8(ascii: ":"))
            ASCIIDigits.append(value, width: 2, to: &common)
        }
        common.append(contentsOf: " +0000".utf8)
    }

    /// `2026-11-27T03:30:00.123Z`
    func appendISO8601(to out: inout [UInt8]) {
        out.append(contentsOf: iso)
        out.append(UInt8(ascii: "."))
        ASCIIDigits.append(millis, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `27/Nov/2026:03:30:00 +0000`
    func appendCommonLog(to out: inout [UInt8]) {
        out.append(contentsOf: common)
    }
}

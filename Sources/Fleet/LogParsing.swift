import Foundation

/// Reads the hosts' logfmt lines (access log, event log).
enum LogParsing {
    /// `key=value` pairs of a logfmt line (quoted values unescaped enough for our fields).
    static func fields(_ line: Substring) -> [Substring: Substring] {
        var out: [Substring: Substring] = [:]
        var rest = line[...]
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].drop { $0 == " " }
            var value = rest[rest.index(after: eq)...]
            if value.first == "\"" {
                let body = value.dropFirst()
                let close = body.firstIndex(of: "\"") ?? body.endIndex
                out[key] = body[..<close]
                rest = close < body.endIndex ? body[body.index(after: close)...] : ""
            } else {
                let space = value.firstIndex(of: " ") ?? value.endIndex
                out[key] = value[..<space]
                rest = value[space...]
            }
            value = ""
        }
        return out
    }

    /// ISO 8601 with milliseconds (`2026-12-03T12:00:00.123Z`) to seconds since 1970.
    static func time(_ s: Substring) -> Double? {
        let parts = s.split(separator: "T")
        guard parts.count == 2, s.hasSuffix("Z") else { return nil }
        let d = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].dropLast().split(separator: ":")
        guard d.count == 3, clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let sec = Double(clock[2])
        else { return nil }
        return Double(daysFromCivil(d[0], d[1], d[2]) * 86400 + h * 3600 + m * 60) + sec
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm): no Foundation date parsing per line.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func accessLines(_ text: String) -> [AccessLine] {
        text.split(separator: "\n").compactMap { line in
            let f = fields(line)
            guard let ts = f["ts"].flatMap(time), let method = f["method"], let target = f["target"] else { return nil }
            return AccessLine(at: ts, method: String(method), target: String(target), status: f["status"].flatMap { Int($0) } ?? 0,
                              connectionRequest: f["conn_request"].flatMap { Int($0) } ?? 0,
                              peer: f["peer"].map(String.init) ?? "")
        }
    }

    static func drainStarts(_ text: String) -> [Double] {
        text.split(separator: "\n").compactMap { line in
            let f = fields(line)
            guard f["event"] == "drain_started" else { return nil }
            return f["ts"].flatMap(time)
        }
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

import Foundation

/// One logfmt line of preforkd's event log: `ts=... level=... event=name k=v ...`.
struct LogLine: CustomStringConvertible {
    let raw: String
    let fields: [String: String]

    var event: String? { fields["event"] }
    subscript(_ key: String) -> String? { fields[key] }
    var description: String { raw }

    /// Parses key=value pairs; values may be double-quoted with backslash escapes.
    init(_ line: String) {
        raw = line
        var fields: [String: String] = [:]
        var chars = Substring(line)
        while !chars.isEmpty {
            while chars.first == " " { chars.removeFirst() }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = String(chars[..<eq])
            chars = chars[chars.index(after: eq)...]
            var value = ""
            if chars.first == "\"" {
                chars.removeFirst()
                while let c = chars.first, c != "\"" {
                    chars.removeFirst()
                    if c == "\\", let next = chars.first { value.append(next); chars.removeFirst() } else { value.append(c) }
                }
                if !chars.isEmpty { chars.removeFirst() }
            } else {
                let end = chars.firstIndex(of: " ") ?? chars.endIndex
                value = String(chars[..<end])
                chars = chars[end...]
            }
            fields[key] = value
        }
        self.fields = fields
    }

    static func parseFile(_ path: String) -> [LogLine] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { LogLine(String($0)) }
    }
}

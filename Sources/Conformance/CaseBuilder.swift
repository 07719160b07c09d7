/// Shorthands the case table files use to stay one case per few lines.
enum Build {
    /// The well-formed GET pipelined behind every smuggling case.
    static func followUp(_ c: CaseContext) -> String {
        "GET \(c.path) HTTP/1.1\r\nHost: \(c.authority)\r\n\r\n"
    }

    /// A raw case. `request` gets the context and returns the text to send
    /// (bytes via \u{..} escapes); with `smuggle`, a valid GET is pipelined
    /// behind it and two responses are awaited.
    static func raw(_ id: String, _ section: Section, _ ref: String, _ level: Level,
                    sends: String, passes: String, needsEcho: Bool = false, valid: Bool = false,
                    smuggle: Bool = false, heads: [Bool] = [false], expected: Int? = nil,
                    shutdownWrite: Bool = false,
                    request: @escaping @Sendable (CaseContext) -> String, judge: @escaping Judge) -> ConformanceCase {
        let spec = RawSpec(
            request: { c in Array((request(c) + (smuggle ? followUp(c) : "")).utf8) },
            heads: smuggle ? heads + [false] : heads,
            expected: expected ?? (smuggle ? heads.count + 1 : heads.count),
            shutdownWrite: shutdownWrite, judge: judge)
        return ConformanceCase(id: id, section: section, reference: ref, level: level,
                               sends: sends + (smuggle ? " + pipelined GET" : ""), passes: passes,
                               needsEcho: needsEcho, valid: valid, body: .raw(spec))
    }

    /// A case with its own socket choreography.
    static func custom(_ id: String, _ section: Section, _ ref: String, _ level: Level,
                       sends: String, passes: String, needsEcho: Bool = false,
                       run: @escaping @Sendable (CaseContext) throws -> Verdict) -> ConformanceCase {
        ConformanceCase(id: id, section: section, reference: ref, level: level, sends: sends,
                        passes: passes, needsEcho: needsEcho, valid: false, body: .custom(run))
    }

    /// "POST <echo> HTTP/1.1" with Host and the given extra header lines and raw body.
    static func post(_ c: CaseContext, headers: String, body: String, version: String = "HTTP/1.1") -> String {
        "POST \(c.echoPath) \(version)\r\nHost: \(c.authority)\r\n\(headers)\r\n\(body)"
    }

    /// "GET <path> HTTP/1.1" with Host and extra header lines.
    static func get(_ c: CaseContext, headers: String = "", method: String = "GET") -> String {
        "\(method) \(c.path) HTTP/1.1\r\nHost: \(c.authority)\r\n\(headers)\r\n"
    }
}

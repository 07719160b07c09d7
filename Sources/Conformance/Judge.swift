/// Which status codes a case accepts, with a description for messages.
public struct StatusRule: Sendable {
    let describe: String
    let accepts: @Sendable (Int) -> Bool

    /// Exactly these codes.
    public static func oneOf(_ codes: Int...) -> StatusRule {
        StatusRule(describe: codes.map(String.init).joined(separator: " or ")) { codes.contains($0) }
    }
    /// Any 2xx.
    public static let success = StatusRule(describe: "2xx") { (200..<300).contains($0) }
    /// Any 4xx or 5xx: the request was refused.
    public static let error = StatusRule(describe: "4xx/5xx") { $0 >= 400 }
    /// Any 4xx.
    public static let clientError = StatusRule(describe: "4xx") { (400..<500).contains($0) }
}

/// What the connection must do after the response.
public enum ConnectionRule: Sendable {
    case mustClose
    /// Open, unless the last response announced `Connection: close` (a server
    /// MAY close after any response if it says so).
    case mustStayOpen
    /// Really open: persistence itself is what the case checks.
    case persistent
    case either
}

/// Checks one `Observation`; returns nil when fine or the failure text.
public typealias Judge = @Sendable (Observation) -> Verdict

/// Judges built from the rules the cases share. Every judge looks at the
/// status, the connection state and the framing (stray bytes, extra responses).
public enum Judges {
    /// Exactly one final response with an accepted status and the connection
    /// rule; with `silentClose`, a close without any response also passes
    /// ("400 or close").
    public static func single(_ rule: StatusRule, _ conn: ConnectionRule = .either,
                              silentClose: Bool = false,
                              check: (@Sendable (RawResponse) -> String?)? = nil) -> Judge {
        { o in
            if let e = o.readError { return .fail("unreadable response: \(e); \(o.summary)") }
            if o.responses.isEmpty {
                if silentClose && o.end != .open { return .pass }
                return .fail("expected \(rule.describe)\(silentClose ? " or close" : ""); saw \(o.summary)")
            }
            if o.responses.count > 1 { return .fail("expected 1 response; saw \(o.summary)") }
            if o.leftover > 0 { return .fail("stray bytes after the response; \(o.summary)") }
            let r = o.responses[0]
            if !rule.accepts(r.status) { return .fail("expected \(rule.describe); saw \(o.summary)") }
            if let why = connectionProblem(o, conn) { return .fail(why) }
            if let check, let why = check(r) { return .fail(why + "; \(o.summary)") }
            return .pass
        }
    }

    /// A smuggling or framing-error case: the bad request was followed by a
    /// pipelined GET. Passes only on one refusal (`rule`) or a silent close,
    /// and then a closed connection; a second response means the server read
    /// the pipelined bytes after a framing error.
    public static func refuse(_ rule: StatusRule = .oneOf(400)) -> Judge {
        single(rule, .mustClose, silentClose: true)
    }

    /// Either the server refuses (one `rule` response, then close), or it
    /// accepts under the allowed interpretation: then exactly `acceptedCount`
    /// responses, the first 2xx and passing `check`, and the connection
    /// closed when `closeAfterAccept`.
    public static func refuseOrAccept(_ rule: StatusRule = .oneOf(400), acceptedCount: Int,
                                      closeAfterAccept: Bool = false,
                                      check: (@Sendable (RawResponse) -> String?)? = nil) -> Judge {
        { o in
            guard let first = o.responses.first, (200..<300).contains(first.status) else {
                return refuse(rule)(o)
            }
            if let e = o.readError { return .fail("unreadable response: \(e); \(o.summary)") }
            if (o.responses.count != acceptedCount || o.leftover > 0) && !closedEarly(o, expected: acceptedCount) {
                return .fail("accepted, so expected \(acceptedCount) response(s); saw \(o.summary)")
            }
            if closeAfterAccept, o.end == .open { return .fail("accepted but connection left open; \(o.summary)") }
            if let check, let why = check(first) { return .fail(why + "; \(o.summary)") }
            return .pass
        }
    }

    /// `count` responses, each accepted by `rule`, checked in order by `check`.
    public static func all(_ count: Int, _ rule: StatusRule = .success, _ conn: ConnectionRule = .either,
                           check: (@Sendable ([RawResponse]) -> String?)? = nil) -> Judge {
        { o in
            if let e = o.readError { return .fail("unreadable response: \(e); \(o.summary)") }
            if (o.responses.count != count || o.leftover > 0) && !closedEarly(o, expected: count) {
                return .fail("expected \(count) response(s); saw \(o.summary)")
            }
            if let bad = o.responses.first(where: { !rule.accepts($0.status) }) {
                return .fail("expected \(rule.describe), got \(bad.status); \(o.summary)")
            }
            if let why = connectionProblem(o, conn) { return .fail(why) }
            if let check, o.responses.count == count, let why = check(o.responses) { return .fail(why + "; \(o.summary)") }
            return .pass
        }
    }

    /// Fewer responses than requests is fine when the last one announced
    /// `Connection: close` and the server then closed (RFC 9112 §9.3.2, §9.6):
    /// the rest were never read, so nothing was smuggled.
    static func closedEarly(_ o: Observation, expected: Int) -> Bool {
        guard let last = o.responses.last, o.responses.count < expected else { return false }
        return last.connectionHas("close") && o.end != .open && o.leftover == 0
    }

    static func connectionProblem(_ o: Observation, _ rule: ConnectionRule) -> String? {
        switch rule {
        case .mustClose where o.end == .open:
            return "connection left open after \(o.responses.last?.status ?? 0); \(o.summary)"
        case .mustStayOpen where o.end != .open && !(o.responses.last?.connectionHas("close") ?? false):
            return "connection \(o.end.rawValue) without Connection: close; \(o.summary)"
        case .persistent where o.end != .open:
            return "connection \(o.end.rawValue) but should stay open; \(o.summary)"
        default:
            return nil
        }
    }

    /// A check that the response body equals `expected` (echo cases).
    public static func body(_ expected: String) -> @Sendable (RawResponse) -> String? {
        { r in
            r.body == Array(expected.utf8) ? nil
                : "body \"\(Escape.bytes(Array(r.body.prefix(60))))\" != \"\(Escape.bytes(Array(expected.utf8.prefix(60))))\""
        }
    }
}

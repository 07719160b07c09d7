import Testing

@testable import HTTP1

/// How bytes reach the parser: all at once, or one byte per `feed` with `next()` after each.
enum Delivery: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case whole
    case bytewise
    var testDescription: String { rawValue }
}

/// What a table case expects from the parser after all its bytes are fed.
enum Outcome: Sendable {
    /// Exactly one request matching `Want`, no error, nothing left buffered.
    case request(Want)
    /// `n` requests and no error (pipelining), nothing left buffered.
    case requests(Int)
    /// The parser throws an error with this status (earlier requests may have come out).
    case error(Int)
    /// No request yet and no error: more bytes are needed.
    case needMore
}

/// The parts of a request a case checks; nil fields are not checked.
struct Want: Sendable {
    var method = "GET"
    var path = "/"
    var query: String?? = .none
    var version: HTTPVersion = .http1_1
    var body = ""
    var keepAlive: Bool?
    var header: (String, String)?
    var trailer: (String, String)?
}

extension Outcome {
    static func ok(
        _ method: String = "GET", _ path: String = "/", query: String?? = .none, version: HTTPVersion = .http1_1,
        body: String = "", keepAlive: Bool? = nil, header: (String, String)? = nil, trailer: (String, String)? = nil
    ) -> Outcome {
        .request(
            Want(
                method: method, path: path, query: query, version: version, body: body, keepAlive: keepAlive,
                header: header, trailer: trailer))
    }
}

/// One line of a table: name (RFC section and what it is), raw bytes, expectation.
struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: String
    var outcome: Outcome
    var testDescription: String { name }

    init(_ t: (String, String, Outcome)) {
        (name, raw, outcome) = t
    }
}

/// Everything the parser produced for some input.
struct Run {
    var requests: [Request] = []
    var error: HTTPError?
    var parser: RequestParser
}

/// Feeds `bytes` by `delivery`, calling `next()` until it returns nil or throws.
func run(_ bytes: [UInt8], _ delivery: Delivery, limits: ParserLimits = .init()) -> Run {
    var result = Run(parser: RequestParser(limits: limits))
    func drain(_ r: inout Run) -> Bool {
        do {
            while let request = try r.parser.next() { r.requests.append(request) }
            return true
        } catch {
            r.error = error
            // Poisoned: the same error again, whatever is fed afterwards.
            r.parser.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
            #expect(throws: error) { try r.parser.next() }
            return false
        }
    }
    switch delivery {
    case .whole:
        result.parser.feed(bytes)
        _ = drain(&result)
    case .bytewise:
        for b in bytes {
            result.parser.feed(CollectionOfOne(b))
            if !drain(&result) { break }
        }
        if bytes.isEmpty { _ = drain(&result) }
    }
    return result
}

func run(_ text: String, _ delivery: Delivery, limits: ParserLimits = .init()) -> Run {
    run(Array(text.utf8), delivery, limits: limits)
}

/// Checks a run against an outcome, naming the case in failures.
func check(_ r: Run, _ outcome: Outcome, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    switch outcome {
    case .error(let status):
        #expect(r.error?.status == status, "\(name): got \(String(describing: r.error)), \(r.requests.count) requests", sourceLocation: sourceLocation)
    case .needMore:
        #expect(r.error == nil && r.requests.isEmpty, "\(name): got \(String(describing: r.error)), \(r.requests.count) requests", sourceLocation: sourceLocation)
    case .requests(let n):
        #expect(r.error == nil && r.requests.count == n, "\(name): got \(String(describing: r.error)), \(r.requests.count) requests", sourceLocation: sourceLocation)
        #expect(r.parser.bufferedByteCount == 0, "\(name): bytes left over", sourceLocation: sourceLocation)
    case .request(let want):
        guard r.error == nil, r.requests.count == 1, let q = r.requests.first else {
            Issue.record("\(name): got \(String(describing: r.error)), \(r.requests.count) requests", sourceLocation: sourceLocation)
            return
        }
        #expect(q.method == want.method && q.path == want.path && q.version == want.version, "\(name)", sourceLocation: sourceLocation)
        #expect(String(decoding: q.body, as: UTF8.self) == want.body, "\(name): body", sourceLocation: sourceLocation)
        if case .some(let query) = want.query { #expect(q.query == query, "\(name): query", sourceLocation: sourceLocation) }
        if let k = want.keepAlive { #expect(q.keepAlive == k, "\(name): keepAlive", sourceLocation: sourceLocation) }
        if let (n, v) = want.header { #expect(q.headers[n] == v, "\(name): header \(n)", sourceLocation: sourceLocation) }
        if let (n, v) = want.trailer { #expect(q.trailers[n] == v, "\(name): trailer \(n)", sourceLocation: sourceLocation) }
        #expect(r.parser.bufferedByteCount == 0, "\(name): bytes left over", sourceLocation: sourceLocation)
    }
}

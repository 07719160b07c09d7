import Testing

@testable import HTTP1
import Harness   // SplitMix64, the suite's seeded generator

/// Mutates valid requests at random and checks properties that must hold for any input:
/// no crash, the same result however the bytes are split, and every accepted request
/// re-serialized with a Content-Length body parses back to the same request.
@Suite struct MutationFuzzTests {
    static let seed: UInt64 = 0x5EED_0001
    static let iterations = 3000

    static let corpus: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /p?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: a:80\r\nContent-Length: 5\r\n\r\nhello",
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "PUT http://h/p HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\nX: a\tb\r\n\r\nok",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\nDELETE /d HTTP/1.1\r\nHost: [::1]\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
    ]
    /// Bytes that matter to the grammar, so mutations hit interesting paths often.
    static let interesting: [UInt8] = Array("\r\n \t:;,=\"0aF/?#*\u{0}\u{7F}".utf8) + [0x80, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: 0...bytes.count, using: &rng)
            let byte = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where i < bytes.count: bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1: bytes.insert(byte, at: i)
            case 2 where i < bytes.count: bytes.remove(at: i)
            default:
                let j = Int.random(in: i...bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[i..<min(j, i + 8)], at: i)
            }
        }
        return bytes
    }

    /// Feeds `bytes` in pieces ending at `cuts`, draining after each piece.
    static func parse(_ bytes: [UInt8], cuts: [Int]) -> (requests: [Request], error: HTTPError?) {
        var p = RequestParser()
        var requests: [Request] = []
        var from = 0
        for cut in cuts + [bytes.count] where cut >= from {
            p.feed(bytes[from..<cut])
            from = cut
            do {
                while let r = try p.next() { requests.append(r) }
            } catch {
                return (requests, error)
            }
        }
        return (requests, nil)
    }

    /// The request as a client would resend it: framing replaced by Content-Length.
    static func reserialize(_ r: Request) -> [UInt8] {
        var text = "\(r.method) \(r.target) \(r.version)\r\n"
        for (name, value) in r.headers where !isFraming(name) { text += "\(name): \(value)\r\n" }
        if !r.body.isEmpty { text += "Content-Length: \(r.body.count)\r\n" }
        return Array((text + "\r\n").utf8) + r.body
    }

    static func isFraming(_ name: String) -> Bool {
        ASCII.caseInsensitiveEquals(name, "content-length") || ASCII.caseInsensitiveEquals(name, "transfer-encoding")
    }

    @Test func mutatedRequestsKeepTheirProperties() {
        var rng = SplitMix64(seed: Self.seed)
        var accepted = 0
        for n in 0..<Self.iterations {
            let input = Self.mutate(Array(Self.corpus[n % Self.corpus.count].utf8), &rng)
            let whole = Self.parse(input, cuts: [])
            let cuts = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Int.random(in: 0...input.count, using: &rng) }.sorted()
            let split = Self.parse(input, cuts: cuts)
            guard whole.requests == split.requests, whole.error == split.error else {
                Issue.record("seed \(Self.seed) iteration \(n): split \(cuts) changed the result for \(input)")
                return
            }
            for r in whole.requests {
                accepted += 1
                let again = Self.parse(Self.reserialize(r), cuts: [])
                guard again.error == nil, again.requests.count == 1, let q = again.requests.first else {
                    Issue.record("iteration \(n): re-serialized request failed: \(String(describing: again.error)) \(r)")
                    return
                }
                #expect(q.method == r.method && q.target == r.target && q.path == r.path && q.query == r.query)
                #expect(q.version == r.version && q.body == r.body && q.keepAlive == r.keepAlive)
                #expect(q.headers.filter { !Self.isFraming($0.name) }.map(\.value) == r.headers.filter { !Self.isFraming($0.name) }.map(\.value))
            }
        }
        // The mutator must leave a fair share valid, or the re-parse property tests nothing.
        #expect(accepted > Self.iterations / 10, "only \(accepted) accepted")
    }
}

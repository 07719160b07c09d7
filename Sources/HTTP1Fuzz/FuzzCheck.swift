import HTTP1
import Harness

/// The properties every input must keep, whatever its bytes:
/// 1. parsing never traps (a crash is the harness's failure, caught outside);
/// 2. the result does not depend on how the bytes are split into reads;
/// 3. every accepted request, re-serialised with its body under a
///    Content-Length (method, target, version, non-framing fields, body),
///    parses back to exactly one request with the same framing and contents
///    and nothing left over.
/// A violation is returned as text; nil means the input is fine.
enum FuzzCheck {
    /// Checks one input; `splitSeed` picks the read boundaries for property 2.
    static func check(_ input: [UInt8], splitSeed: UInt64) -> String? {
        let whole = parse(input, cuts: [])
        let split = parse(input, cuts: cuts(for: input.count, seed: splitSeed))
        if whole.requests != split.requests || whole.error != split.error {
            return "split reads changed the result: whole \(whole.summary), split \(split.summary)"
        }
        for r in whole.requests {
            if let why = reparse(r) { return why }
        }
        return nil
    }

    /// Property 3 for one accepted request.
    static func reparse(_ r: Request) -> String? {
        let bytes = reserialize(r)
        var p = RequestParser()
        p.feed(bytes)
        let again: Request?
        do { again = try p.next() } catch { return "re-serialised request refused (\(error)): \(r.method) \(r.target)" }
        guard let q = again else { return "re-serialised request incomplete: \(r.method) \(r.target)" }
        if p.bufferedByteCount != 0 { return "re-serialised request left \(p.bufferedByteCount) bytes: framing differs" }
        if q.body != r.body { return "re-serialised body \(q.body.count) bytes != \(r.body.count)" }
        if q.method != r.method || q.target != r.target || q.version != r.version || q.keepAlive != r.keepAlive {
            return "re-serialised request line or keep-alive differs: \(q.method) \(q.target) vs \(r.method) \(r.target)"
        }
        if nonFraming(q.headers) != nonFraming(r.headers) { return "re-serialised fields differ" }
        return nil
    }

    struct Outcome {
        var requests: [Request]
        var error: HTTPError?
        var summary: String { "\(requests.count) request(s), error \(error.map { "\($0)" } ?? "none")" }
    }

    /// Feeds `bytes` in pieces ending at `cuts`, draining after each piece.
    static func parse(_ bytes: [UInt8], cuts: [Int]) -> Outcome {
        var p = RequestParser()
        var out = Outcome(requests: [], error: nil)
        var from = 0
        for cut in cuts + [bytes.count] where cut >= from {
            p.feed(bytes[from..<cut])
            from = cut
            do {
                while let r = try p.next() { out.requests.append(r) }
            } catch {
                out.error = error
                return out
            }
        }
        return out
    }

    /// Up to 4 sorted cut points from a seed (SplitMix64 steps).
    static func cuts(for count: Int, seed: UInt64) -> [Int] {
        guard count > 1 else { return [] }
        var rng = SplitMix64(seed: seed)
        return (0..<Int(rng.next() % 4 + 1)).map { _ in Int(rng.next() % UInt64(count + 1)) }.sorted()
    }

    /// The request as a client would resend it: framing replaced by Content-Length.
    static func reserialize(_ r: Request) -> [UInt8] {
        var text = "\(r.method) \(r.target) \(r.version)\r\n"
        for (name, value) in r.headers where !isFraming(name) { text += "\(name): \(value)\r\n" }
        if !r.body.isEmpty { text += "Content-Length: \(r.body.count)\r\n" }
        return Array((text + "\r\n").utf8) + r.body
    }

    static func nonFraming(_ h: HTTPHeaders) -> [String] {
        h.filter { !isFraming($0.name) }.map { "\($0.name.lowercased()): \($0.value)" }
    }

    static func isFraming(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "content-length" || n == "transfer-encoding"
    }
}

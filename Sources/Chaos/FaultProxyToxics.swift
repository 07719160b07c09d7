import Harness

/// A toxic for one proxied connection, toxiproxy's set as the model. The
/// fault proxy draws one per connection from the run's seed.
public enum Toxic: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Forward as is.
    case none
    /// Every chunk, both ways, waits `ms` +- `jitterMs`.
    case latency(ms: Int, jitterMs: Int)
    /// The response flows at most this fast.
    case bandwidth(bytesPerSecond: Int)
    /// The request reaches the server in segments of at most `bytes`, `delayMicros` apart.
    case slicer(bytes: Int, delayMicros: Int)
    /// The client's side closes `ms` after the server's.
    case slowClose(ms: Int)
    /// Blackhole: nothing is forwarded; both sides close after `ms`.
    case timeout(ms: Int)
    /// After `afterBytes` of response, both sides get a reset (SO_LINGER 0): a client that vanishes mid-response.
    case resetPeer(afterBytes: Int)
    /// After `bytes` of response, both sides close: a response cut short.
    case limitData(bytes: Int)

    /// Toxics that lose what the client asked for (it vanishes, or never gets the answer).
    public var isDestructive: Bool {
        switch self {
        case .timeout, .resetPeer, .limitData: return true
        case .none, .latency, .bandwidth, .slicer, .slowClose: return false
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .latency(let ms, let j): return "latency \(ms)+-\(j) ms"
        case .bandwidth(let b): return "bandwidth \(b) B/s"
        case .slicer(let b, let d): return "slicer \(b) B / \(d) us"
        case .slowClose(let ms): return "slow close \(ms) ms"
        case .timeout(let ms): return "timeout \(ms) ms"
        case .resetPeer(let n): return "reset after \(n) B"
        case .limitData(let n): return "limit \(n) B"
        }
    }

    /// The kind name, for counts in reports.
    public var kind: String { String(description.prefix { $0 != " " }) }

    /// Draws a toxic. Benign ones slow or fragment a connection but lose
    /// nothing (safe for the whole load); with `destructive`, clients also
    /// vanish, get resets and cut responses.
    static func draw(_ rng: inout SplitMix64, destructive: Bool) -> Toxic {
        let r = rng.next()
        let a = Int((r >> 8) % 1000), b = Int((r >> 24) % 1000)
        switch r % (destructive ? 8 : 4) {
        case 0: return .none
        case 1: return .latency(ms: 1 + a % 20, jitterMs: b % 6)
        case 2: return .bandwidth(bytesPerSecond: 64_000 + a * 1000)
        case 3: return .slicer(bytes: 1 + a % 16, delayMicros: b % 200)
        case 4: return .slowClose(ms: 50 + a % 500)
        case 5: return .timeout(ms: 200 + a)
        case 6: return .resetPeer(afterBytes: a % 300)
        default: return .limitData(bytes: a % 300)
        }
    }
}

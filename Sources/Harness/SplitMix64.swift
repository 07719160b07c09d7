/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose output
/// depends only on the seed, on every platform and Swift version, which is
/// what makes a chaos run (and a fuzz run) reproducible. The suite's one
/// copy: Chaos, HTTP1Fuzz and the HTTP1 mutation tests draw from it. Not for
/// cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits (stdlib's Double.random is not
    /// specified to consume the generator the same way across versions).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

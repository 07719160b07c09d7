@preconcurrency import Glibc

/// A point on CLOCK_MONOTONIC in nanoseconds. Plain data so WorkerTable can be
/// tested with made-up times, and so the scoreboard can store it in one word.
struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    var nanoseconds: UInt64

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The monotonic clock now (vDSO: no syscall on the hot path).
    static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    static func + (a: Instant, d: Duration) -> Instant {
        let ns = d.nanosecondsClamped
        return Instant(nanoseconds: ns >= 0 ? a.nanoseconds &+ UInt64(ns) : a.nanoseconds &- UInt64(-ns))
    }

    /// Time from `earlier` to self; zero if `earlier` is later.
    func since(_ earlier: Instant) -> Duration {
        nanoseconds >= earlier.nanoseconds ? .nanoseconds(Int64(nanoseconds - earlier.nanoseconds)) : .zero
    }

    var description: String { "\(nanoseconds)ns" }
}

extension Duration {
    /// Whole nanoseconds, saturating at Int64's range.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return ns &+ attoseconds / 1_000_000_000
    }

    /// Milliseconds as a Double, for logs and the status page.
    var milliseconds: Double { Double(nanosecondsClamped) / 1_000_000 }
}

import Glibc

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC), the time base of samples.
public func monotonicNanos() -> UInt64 { Sys.monotonicNanos() }

/// Monotonic clock in seconds, for deadlines.
public func monotonicSeconds() -> Double {
    Double(monotonicNanos()) / 1e9
}

/// Sleeps for `seconds` (EINTR-safe).
func sleepSeconds(_ seconds: Double) { Sys.sleep(seconds) }

/// Polls `condition` every `interval` seconds until it is true (returns true)
/// or `timeout` seconds have passed (returns false). Checks once more at the end.
@discardableResult
public func waitUntil(timeout: Double, interval: Double = 0.005, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + timeout
    while true {
        if condition() { return true }
        if monotonicSeconds() >= deadline { return condition() }
        sleepSeconds(interval)
    }
}

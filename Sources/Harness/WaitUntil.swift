import Glibc

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC), the time base of samples.
public func monotonicNanos() -> UInt64 { Sys.monotonicNanos() }

/// Monotonic clock in seconds, for deadlines.
public func monotonicSeconds() -> Double {
    Double(monotonicNanos()) / 1e9
}

/// Sleeps for `seconds` (EINTR-safe: nanosleep resumes with the remainder).
func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var req = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var rem = timespec()
    while nanosleep(&req, &rem) == -1 && errno == EINTR { req = rem }
}

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

import Harness
import CCurl
import CCurlShim
import Glibc

/// libcurl's process-wide setup, done once before the first handle.
enum CurlGlobal {
    /// curl_global_init is not thread-safe; a `static let` runs it exactly once.
    static let initialized: Bool = ccurl_global_init(-1) == CURLE_OK

    static func ensure() {
        precondition(initialized, "curl_global_init failed")
    }
}

/// The linked libcurl's version, e.g. "7.88.1".
public var curlVersion: String { String(cString: ccurl_version_string()) }

/// CLOCK_MONOTONIC in nanoseconds: the time base of every `RequestRecord`
/// (Harness's clock, the suite's one).
@inline(__always)
public func monotonicNow() -> UInt64 { Sys.monotonicNanos() }

@preconcurrency import Glibc
import HTTP1

/// The Date header value, formatted once per second instead of per response.
struct DateCache {
    private var second = -1
    private var value = ""

    mutating func current() -> String {
        let now = Int(time(nil))
        if now != second {
            second = now
            value = HTTPDate.imfFixdate(epochSeconds: now)
        }
        return value
    }
}

@preconcurrency import Glibc
import HTTP1

/// The Date header, formatted once per second instead of per response, and
/// kept as the whole serialized field line so a response copies it as bytes.
struct DateCache {
    private var second = -1
    private var value = ""
    private var line: [UInt8] = []

    /// The IMF-fixdate of the current second.
    mutating func current() -> String {
        refresh()
        return value
    }

    /// `Date: <IMF-fixdate>\r\n` for the current second.
    mutating func field() -> [UInt8] {
        refresh()
        return line
    }

    private mutating func refresh() {
        let now = Int(time(nil))
        guard now != second else { return }
        second = now
        value = HTTPDate.imfFixdate(epochSeconds: now)
        line.removeAll(keepingCapacity: true)
        ResponseSerializer.appendDateField(value, into: &line)
    }
}

/// The HTTP date format (RFC 9110 5.6.7), computed with integer arithmetic only.
public enum HTTPDate {
    private static let days: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// IMF-fixdate for seconds since the Unix epoch: "Sun, 06 Nov 1994 08:49:37 GMT".
    public static func imfFixdate(epochSeconds: Int) -> String {
        let day = floorDiv(epochSeconds, 86400)
        let second = epochSeconds - day * 86400
        let (year, month, dayOfMonth) = civil(fromDays: day)
        let weekday = floorMod(day + 4, 7)  // 1970-01-01 was a Thursday.
        var out: [UInt8] = []
        out.reserveCapacity(29)
        append(days[weekday], to: &out)
        out += [ASCII.comma, ASCII.sp]
        appendPadded(dayOfMonth, width: 2, to: &out)
        out.append(ASCII.sp)
        append(months[month - 1], to: &out)
        out.append(ASCII.sp)
        appendPadded(year, width: 4, to: &out)
        out.append(ASCII.sp)
        appendPadded(second / 3600, width: 2, to: &out)
        out.append(ASCII.colon)
        appendPadded(second / 60 % 60, width: 2, to: &out)
        out.append(ASCII.colon)
        appendPadded(second % 60, width: 2, to: &out)
        out += Array(" GMT".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// Proleptic Gregorian (year, month 1...12, day 1...31) for days since 1970-01-01
    /// (Howard Hinnant's civil_from_days).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func floorMod(_ a: Int, _ b: Int) -> Int {
        a - floorDiv(a, b) * b
    }

    private static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private static func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var v = max(value, 0)
        repeat {
            digits.append(UInt8(v % 10) + 0x30)
            v /= 10
        } while v > 0
        if digits.count < width { out += repeatElement(UInt8(ascii: "0"), count: width - digits.count) }
        out += digits.reversed()
    }
}

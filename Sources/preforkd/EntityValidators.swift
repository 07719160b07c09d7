@preconcurrency import Glibc
import HTTP1

/// Validators of a static file (RFC 9110 §8.8) and the conditional-request
/// check that turns a GET/HEAD into 304 Not Modified (RFC 9110 §13).
struct Validators: Equatable {
    /// Strong entity tag: size and mtime (ns) in hex, `"1a2b-65f0c1d2-1f3a"`.
    /// A rewrite within the same second with the same size still changes the
    /// nanoseconds, so a strong tag is honest here.
    let etag: String
    /// IMF-fixdate of the mtime (whole seconds).
    let lastModified: String
    /// mtime in whole seconds, for If-Modified-Since.
    let mtime: Int

    init(size: Int, mtimeSeconds: Int, mtimeNanoseconds: Int) {
        etag = "\"\(String(size, radix: 16))-\(String(mtimeSeconds, radix: 16))-\(String(mtimeNanoseconds, radix: 16))\""
        lastModified = HTTPDate.imfFixdate(epochSeconds: mtimeSeconds)
        mtime = mtimeSeconds
    }

    init(_ info: stat) {
        self.init(size: Int(info.st_size), mtimeSeconds: Int(info.st_mtim.tv_sec),
                  mtimeNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    /// The fields every 200 and 304 for this file carries.
    var fields: [(String, String)] { [("ETag", etag), ("Last-Modified", lastModified)] }

    /// True when the request's preconditions say "not modified" (RFC 9110
    /// §13.2.2): If-None-Match decides when present (weak comparison, `*`
    /// matches); otherwise If-Modified-Since, ignored unless it is a valid
    /// HTTP-date. Only called for GET and HEAD.
    func notModified(_ headers: HTTPHeaders) -> Bool {
        let inm = headers.values("if-none-match")
        if !inm.isEmpty {
            return inm.contains { list in
                list.split(separator: ",").contains { tag in
                    let t = tag.trimmingOWS()
                    return t == "*" || Self.weakEquals(t, etag)
                }
            }
        }
        guard let ims = headers["if-modified-since"], let since = IMFDate.epochSeconds(ims) else { return false }
        return mtime <= since
    }

    /// Weak comparison: equal opaque tags, ignoring a `W/` prefix on either.
    static func weakEquals(_ a: Substring, _ b: String) -> Bool {
        let strip = { (s: Substring) in s.hasPrefix("W/") ? s.dropFirst(2) : s }
        return strip(a) == strip(b[...])
    }
}

extension Substring {
    /// Without leading and trailing SP/HTAB.
    func trimmingOWS() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

/// Parses an HTTP-date (RFC 9110 5.6.7) to seconds since the epoch, in all
/// three forms a recipient MUST accept: IMF-fixdate ("Sun, 06 Nov 1994
/// 08:49:37 GMT"), the obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT")
/// and asctime ("Sun Nov  6 08:49:37 1994"). Anything else is nil: the
/// condition is then ignored and the full 200 is sent, which is always safe.
enum IMFDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `now` (seconds since the epoch) resolves RFC 850's two-digit year.
    static func epochSeconds(_ s: String, now: Int = time(nil)) -> Int? {
        imfFixdate(s) ?? rfc850(s, now: now) ?? asctime(s)
    }

    static func imfFixdate(_ s: String) -> Int? {
        let p = s.split(separator: " ", omittingEmptySubsequences: false)
        guard p.count == 6, p[0].count == 4, p[0].hasSuffix(","), p[5] == "GMT", p[1].count == 2, p[3].count == 4,
              let day = Int(p[1]), let year = Int(p[3]) else { return nil }
        return seconds(year: year, month: p[2], day: day, clock: p[4])
    }

    /// "Sunday, 06-Nov-94 08:49:37 GMT". A two-digit year that would lie more
    /// than 50 years in the future is the most recent past year with those
    /// digits (RFC 9110 5.6.7).
    static func rfc850(_ s: String, now: Int) -> Int? {
        let p = s.split(separator: " ", omittingEmptySubsequences: false)
        guard p.count == 4, p[0].count >= 7, p[0].hasSuffix(","), p[3] == "GMT" else { return nil }
        let date = p[1].split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, date[0].count == 2, date[2].count == 2, let day = Int(date[0]), let yy = Int(date[2]) else {
            return nil
        }
        var t = time_t(now), parts = tm()
        gmtime_r(&t, &parts)
        let thisYear = Int(parts.tm_year) + 1900
        var year = thisYear - thisYear % 100 + yy
        if year > thisYear + 50 { year -= 100 }
        return seconds(year: year, month: date[1], day: day, clock: p[2])
    }

    /// "Sun Nov  6 08:49:37 1994": the day of the month is padded with a space.
    static func asctime(_ s: String) -> Int? {
        guard s.utf8.count == 24 else { return nil }
        let p = s.split(separator: " ", omittingEmptySubsequences: true)
        guard p.count == 5, p[0].count == 3, p[2].count <= 2, p[4].count == 4, let day = Int(p[2]), let year = Int(p[4]) else {
            return nil
        }
        return seconds(year: year, month: p[1], day: day, clock: p[3])
    }

    /// The shared tail of the three forms: a month name and "hh:mm:ss".
    private static func seconds(year: Int, month: Substring, day: Int, clock: Substring) -> Int? {
        let t = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard let month = months.firstIndex(of: String(month)), clock.count == 8, t.count == 3,
              let h = Int(t[0]), let m = Int(t[1]), let sec = Int(t[2]),
              (1...31).contains(day), h < 24, m < 60, sec < 61 else { return nil }
        return days(year: year, month: month + 1, day: day) * 86400 + h * 3600 + m * 60 + sec
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

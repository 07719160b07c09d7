#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RequestParser {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// Finds the end of the current line, CRLF only: a bare LF or a CR not followed
    /// by LF is an error as soon as it is seen. `maxContent` (bytes before the CRLF)
    /// is enforced as bytes arrive. Returns the content range, or nil if incomplete;
    /// the scan position is kept so no byte is scanned twice.
    mutating func scanLine(maxContent: Int, tooLong: HTTPError) throws(HTTPError) -> Range<Int>? {
        let lineStart = start
        let from = start + lineScan
        let result: Result<Int?, HTTPError> = buffer.withUnsafeBufferPointer { p in
            switch Self.scanClean(p, lineStart: lineStart, from: from, maxContent: maxContent) {
            case .line(let lf): return .success(lf)
            case .incomplete: return .success(nil)
            case nil: break
            }
            var i = from
            while i < p.count {
                let b = p[i]
                let afterCR = i > lineStart && p[i - 1] == ASCII.cr
                if b == ASCII.lf {
                    return afterCR ? .success(i) : .failure(.badRequest("bare LF"))
                }
                if afterCR { return .failure(.badRequest("bare CR")) }
                if b != ASCII.cr && i - lineStart + 1 > maxContent { return .failure(tooLong) }
                i += 1
            }
            return .success(nil)
        }
        guard let lf = try result.get() else {
            lineScan = buffer.count - start
            return nil
        }
        return lineStart..<(lf - 1)
    }

    /// The common case at memchr speed: a line with no CR but its final CRLF,
    /// within `maxContent`; or no LF yet, no CR but maybe a last byte, still
    /// within `maxContent`. Returns nil when anything else is seen: then the
    /// byte loop in `scanLine` decides, with its exact errors.
    static func scanClean(
        _ p: UnsafeBufferPointer<UInt8>, lineStart: Int, from: Int, maxContent: Int
    ) -> CleanScan? {
        guard let base = p.baseAddress, from < p.count else { return nil }
        // A CR at the end of the bytes scanned before: only the byte loop knows what follows it.
        if from > lineStart && base[from - 1] == ASCII.cr { return nil }
        let tail = p.count - from
        guard let hit = memchr(base + from, Int32(ASCII.lf), tail) else {
            // No LF yet: fine while no CR but maybe the last byte, and not too long.
            let cr = memchr(base + from, Int32(ASCII.cr), tail)
            if let cr, base + p.count - 1 != UnsafePointer(cr.assumingMemoryBound(to: UInt8.self)) { return nil }
            let content = p.count - lineStart - (cr == nil ? 0 : 1)
            return content <= maxContent ? .incomplete : nil
        }
        let lf = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
        guard lf > lineStart, base[lf - 1] == ASCII.cr, lf - 1 - lineStart <= maxContent else { return nil }
        if lf - 1 > from && memchr(base + from, Int32(ASCII.cr), lf - 1 - from) != nil { return nil }
        return .line(lf: lf)
    }

    /// What `scanClean` saw: a complete line (index of its LF), or no LF yet.
    enum CleanScan { case line(lf: Int), incomplete }

    /// Consumes the line whose content is `range` (plus its CRLF).
    mutating func consumeLine(_ range: Range<Int>) {
        start = range.upperBound + 2
        lineScan = 0
    }

    /// Runs `body` over the buffered bytes in `range`; parse results that throw come back out.
    /// Static, with the buffer passed in (a retain): as a method on `self` a
    /// closure that mutates the parser (stepField) would force a copy of the
    /// whole parser for every line.
    static func withBytes<R>(_ buffer: [UInt8], _ range: Range<Int>, _ body: (Bytes) throws(HTTPError) -> R) throws(HTTPError) -> R {
        let result: Result<R, HTTPError> = buffer.withUnsafeBufferPointer { p in
            do throws(HTTPError) {
                return .success(try body(p[range]))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// True when the next line cannot be the empty line that ends a field section.
    var nextLineIsField: Bool {
        start < buffer.count && buffer[start] != ASCII.cr && buffer[start] != ASCII.lf
    }
}

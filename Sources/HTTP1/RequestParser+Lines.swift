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

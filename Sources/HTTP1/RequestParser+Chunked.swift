extension RequestParser {
    /// `chunk-size [ chunk-ext ] CRLF`; a zero size starts the trailer section.
    mutating func stepChunkSize() throws(HTTPError) -> Bool {
        let tooLong = HTTPError.badRequest("chunk size line too long")
        guard let range = try scanLine(maxContent: limits.maxChunkLine, tooLong: tooLong) else { return false }
        consumeLine(range)
        let size = try Self.withBytes(buffer, range) { (b: Bytes) throws(HTTPError) in try ChunkLine.parseSize(b) }
        if size == 0 {
            state = .trailers
            return true
        }
        // Refuse before reading the data: the body limit counts de-chunked bytes.
        guard size <= limits.maxBody - pending.body.count else { throw .contentTooLarge }
        state = .chunkData(size)
        return true
    }

    /// Copies up to `remaining` bytes of chunk data into the body as they arrive.
    mutating func stepChunkData(_ remaining: Int) -> Bool {
        let take = min(remaining, bufferedByteCount)
        guard take > 0 else { return false }
        pending.body.append(contentsOf: buffer[start..<(start + take)])
        start += take
        state = take == remaining ? .chunkDataEnd : .chunkData(remaining - take)
        return true
    }

    /// Exactly CRLF after chunk data; anything else means the size was wrong.
    mutating func stepChunkDataEnd() throws(HTTPError) -> Bool {
        if bufferedByteCount >= 1 && buffer[start] != ASCII.cr { throw .badRequest("chunk data longer than its size") }
        if bufferedByteCount >= 2 && buffer[start + 1] != ASCII.lf { throw .badRequest("bare CR after chunk data") }
        guard bufferedByteCount >= 2 else { return false }
        start += 2
        state = .chunkSize
        return true
    }
}

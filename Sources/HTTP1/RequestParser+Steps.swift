extension RequestParser {
    /// Advances the state machine as far as the buffered bytes allow.
    mutating func step() throws(HTTPError) -> Request? {
        while true {
            let progressed: Bool
            switch state {
            case .requestLine: progressed = try stepRequestLine()
            case .fields: progressed = try stepField(trailer: false)
            case .trailers: progressed = try stepField(trailer: true)
            case .fixedBody(let n): progressed = stepFixedBody(n)
            case .chunkSize: progressed = try stepChunkSize()
            case .chunkData(let n): progressed = stepChunkData(n)
            case .chunkDataEnd: progressed = try stepChunkDataEnd()
            }
            if let request = takeCompleted() { return request }
            if !progressed { return nil }
        }
    }

    /// Request line, after at most `maxLeadingEmptyLines` empty lines (RFC 9112 2.2).
    private mutating func stepRequestLine() throws(HTTPError) -> Bool {
        guard let range = try scanLine(maxContent: limits.maxRequestLine, tooLong: .uriTooLong) else { return false }
        consumeLine(range)
        if range.isEmpty {
            pending.emptyLines += 1
            guard pending.emptyLines <= limits.maxLeadingEmptyLines else {
                throw .badRequest("too many empty lines before request line")
            }
            return true
        }
        pending.line = try Self.withBytes(buffer, range) { (b: Bytes) throws(HTTPError) in try RequestLine.parse(b) }
        state = .fields
        return true
    }

    /// One header or trailer field line, or the empty line that ends the section.
    private mutating func stepField(trailer: Bool) throws(HTTPError) -> Bool {
        if pending.fieldCount >= limits.maxHeaderCount && nextLineIsField { throw .headerFieldsTooLarge }
        let room = limits.maxHeaderBytes - pending.fieldBytes - 2
        guard let range = try scanLine(maxContent: room, tooLong: .headerFieldsTooLarge) else { return false }
        consumeLine(range)
        if range.isEmpty {
            if trailer { state = .requestLine; pending.completed = true } else { try finishHead() }
            return true
        }
        pending.fieldBytes += range.count + 2
        pending.fieldCount += 1
        // Offsets into `buffer` (slices of it keep its indices); Strings are
        // made only when a field is read (HTTPHeaders).
        let (name, value) = try Self.withBytes(buffer, range) { (b: Bytes) throws(HTTPError) in
            let (name, value) = try FieldLine.parse(b)
            // Trailers never take part in framing (RFC 9112 7.1.2).
            if !trailer { try pending.framing.observe(name: name, value: value) }
            return (name.startIndex..<name.endIndex, value.startIndex..<value.endIndex)
        }
        if trailer {
            pending.trailerSpans.append(name: name, value: value)
        } else {
            pending.headerSpans.append(name: name, value: value)
        }
        return true
    }

    /// The header section is complete: decide how the body is framed.
    private mutating func finishHead() throws(HTTPError) {
        let version = pending.line!.version
        let decision = try pending.framing.finish(version: version, maxBody: limits.maxBody)
        pending.decision = decision
        switch decision.body {
        case .none:
            state = .requestLine
            pending.completed = true
        case .length(let n):
            state = .fixedBody(n)
            expectsContinue = decision.expectContinue && bufferedByteCount < n
        case .chunked:
            state = .chunkSize
            expectsContinue = decision.expectContinue
        }
    }

    private mutating func stepFixedBody(_ n: Int) -> Bool {
        guard bufferedByteCount >= n else { return false }
        pending.body = Array(buffer[start..<(start + n)])
        start += n
        state = .requestLine
        pending.completed = true
        return true
    }

    /// Builds the request once the current one is complete, and resets for the next.
    private mutating func takeCompleted() -> Request? {
        guard pending.completed, let line = pending.line else { return nil }
        let done = pending
        pending = PendingRequest()
        expectsContinue = false
        return Request(
            method: line.method, target: line.target, path: line.path, query: line.query, version: line.version,
            headers: Self.fields(done.headers, done.headerSpans, in: buffer), body: done.body,
            trailers: Self.fields(done.trailers, done.trailerSpans, in: buffer), keepAlive: done.decision.keepAlive)
    }

    /// Fields already kept as Strings (see `PendingRequest.keepFieldsAsStrings`)
    /// followed by those still in `buffer`.
    static func fields(_ strings: HTTPHeaders, _ spans: FieldSpans, in buffer: [UInt8]) -> HTTPHeaders {
        if spans.isEmpty { return strings }
        let received = ReceivedFields(bytes: buffer, spans: spans)
        if strings.isEmpty { return HTTPHeaders(received: received) }
        var all = strings
        for (name, value) in received.elements { all.add(name, value) }
        return all
    }
}

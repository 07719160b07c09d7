/// Collects the fields that decide framing and connection handling (Host,
/// Content-Length, Transfer-Encoding, Connection, Expect) while the header
/// section is parsed, then applies RFC 9112 6.3 in `finish`.
struct FramingFields {
    typealias Bytes = UnsafeBufferPointer<UInt8>.SubSequence

    /// How the body of a request is delimited.
    enum Body: Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// What the head decides about body and connection.
    struct Decision {
        var body: Body
        var keepAlive: Bool
        var expectContinue: Bool
    }

    private var hostCount = 0
    private var contentLength: Int?
    private var sawTransferEncoding = false
    private var chunkedCount = 0
    private var lastCodingIsChunked = false
    private var unsupportedCoding: String?
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectContinue = false

    /// Looks at one header field; syntax errors in framing fields throw at once.
    mutating func observe(name: Bytes, value: Bytes) throws(HTTPError) {
        switch name.count {
        case 4 where ASCII.equalsLowercased(name, "host"):
            hostCount += 1
            guard hostCount == 1 else { throw .badRequest("more than one Host") }
            guard Authority.isValid(value, allowEmptyHost: true, requirePort: false) else {
                throw .badRequest("invalid Host")
            }
        case 14 where ASCII.equalsLowercased(name, "content-length"):
            try observeContentLength(value)
        case 17 where ASCII.equalsLowercased(name, "transfer-encoding"):
            try observeTransferEncoding(value)
        case 10 where ASCII.equalsLowercased(name, "connection"):
            try FieldLine.forEachElement(value) { (option: Bytes) throws(HTTPError) in
                if ASCII.equalsLowercased(option, "close") { connectionClose = true }
                if ASCII.equalsLowercased(option, "keep-alive") { connectionKeepAlive = true }
            }
        case 6 where ASCII.equalsLowercased(name, "expect"):
            // Only 100-continue is understood; other expectations are ignored (not 417).
            if ASCII.equalsLowercased(value, "100-continue") { expectContinue = true }
        default:
            break
        }
    }

    /// `Content-Length = 1*DIGIT`; a list or repeated field must hold one value (RFC 9110 8.6).
    private mutating func observeContentLength(_ value: Bytes) throws(HTTPError) {
        try FieldLine.forEachElement(value, keepEmpty: true) { (element: Bytes) throws(HTTPError) in
            // 18 digits always fit in Int; more is an overflow attempt or junk.
            guard !element.isEmpty, element.count <= 18, element.allSatisfy(ASCII.isDigit) else {
                throw .badRequest("invalid Content-Length")
            }
            let n = element.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if let previous = contentLength, previous != n { throw .badRequest("conflicting Content-Length") }
            contentLength = n
        }
    }

    /// Transfer codings across all Transfer-Encoding fields, in order.
    private mutating func observeTransferEncoding(_ value: Bytes) throws(HTTPError) {
        sawTransferEncoding = true
        try FieldLine.forEachElement(value) { (coding: Bytes) throws(HTTPError) in
            guard coding.allSatisfy(ASCII.isTChar) else { throw .badRequest("invalid transfer-coding") }
            lastCodingIsChunked = ASCII.equalsLowercased(coding, "chunked")
            if lastCodingIsChunked {
                chunkedCount += 1
            } else if unsupportedCoding == nil {
                unsupportedCoding = ASCII.string(coding)
            }
        }
    }

    /// Applies the framing rules once the header section is complete.
    func finish(version: HTTPVersion, maxBody: Int) throws(HTTPError) -> Decision {
        if version == .http1_1 && hostCount == 0 { throw .badRequest("missing Host") }
        let body: Body
        if sawTransferEncoding {
            guard version == .http1_1 else { throw .badRequest("Transfer-Encoding in HTTP/1.0") }
            guard contentLength == nil else { throw .badRequest("both Transfer-Encoding and Content-Length") }
            guard chunkedCount <= 1 else { throw .badRequest("chunked applied twice") }
            guard chunkedCount == 0 || lastCodingIsChunked else { throw .badRequest("chunked is not the final coding") }
            if let unsupportedCoding { throw .notImplemented("transfer-coding \(unsupportedCoding)") }
            guard chunkedCount == 1 else { throw .badRequest("empty Transfer-Encoding") }
            body = .chunked
        } else if let contentLength {
            guard contentLength <= maxBody else { throw .contentTooLarge }
            body = contentLength == 0 ? .none : .length(contentLength)
        } else {
            body = .none
        }
        let keepAlive = version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return Decision(
            body: body, keepAlive: keepAlive, expectContinue: expectContinue && version == .http1_1 && body != .none)
    }
}

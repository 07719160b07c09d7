import CCurl

/// A failed transfer: libcurl's CURLcode, its message, and a coarse kind.
public struct CurlError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The CURLcode (7 couldn't connect, 28 timeout, 52 got nothing, ...).
    public let code: Int32
    /// libcurl's error buffer text, or curl_easy_strerror when empty.
    public let message: String

    /// What a load or conformance check usually needs to know about a failure.
    public enum Kind: Sendable, Equatable {
        case refused      // 7  CURLE_COULDNT_CONNECT
        case timeout      // 28 CURLE_OPERATION_TIMEDOUT
        case gotNothing   // 52 CURLE_GOT_NOTHING
        case sendError    // 55 CURLE_SEND_ERROR
        case recvError    // 56 CURLE_RECV_ERROR
        case partial      // 18 CURLE_PARTIAL_FILE
        case other
    }

    /// The classification of `code`.
    public var kind: Kind { Self.kind(of: code) }

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// Builds an error from a CURLcode and an optional error-buffer text.
    init(_ code: CURLcode, buffer: String = "") {
        let text = buffer.isEmpty ? String(cString: curl_easy_strerror(code)) : buffer
        self.init(code: Int32(code.rawValue), message: text)
    }

    /// Classifies a raw CURLcode.
    public static func kind(of code: Int32) -> Kind {
        switch code {
        case 7: return .refused
        case 28: return .timeout
        case 52: return .gotNothing
        case 55: return .sendError
        case 56: return .recvError
        case 18: return .partial
        default: return .other
        }
    }

    public var description: String { "curl error \(code): \(message)" }
}

import CCurl
import CCurlShim

/// One easy handle. It keeps its connection across `perform` calls
/// (keep-alive) unless a request asks for a fresh one or forbids reuse.
/// Not thread-safe: use one client per thread.
public final class CurlClient {
    private let easy = EasyHandle()
    private let capture = ResponseCapture(keepHeaders: true, keepBody: true)
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Detect libcurl's silent resends (turns on VERBOSE with a debug callback).
    public let detectResends: Bool

    public init(detectResends: Bool = true) {
        self.detectResends = detectResends
    }

    deinit { errorBuffer.deallocate() }

    /// Performs `r` and returns the final response, or the libcurl error.
    public func perform(_ r: CurlRequest) -> Result<HTTPResult, CurlError> {
        // curl_easy_reset keeps the connection cache, so keep-alive survives it.
        curl_easy_reset(easy.raw)
        capture.reset()
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let headerList = HeaderList(r.headers)
        configure(r, headers: headerList)
        let code = curl_easy_perform(easy.raw)
        withExtendedLifetime(headerList) {}
        guard code == CURLE_OK else {
            return .failure(CurlError(code, buffer: String(cString: errorBuffer)))
        }
        return .success(result())
    }

    private func configure(_ r: CurlRequest, headers: HeaderList) {
        easy.set(CURLOPT_URL, string: r.url)
        easy.set(CURLOPT_NOSIGNAL, true)
        easy.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        easy.set(CURLOPT_TIMEOUT_MS, Int(r.timeout * 1000))
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(r.connectTimeout * 1000))
        easy.attach(capture, detectResends: detectResends)
        if let list = headers.raw { easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(list)) }
        if r.freshConnection { easy.set(CURLOPT_FRESH_CONNECT, true) }
        if r.forbidReuse { easy.set(CURLOPT_FORBID_REUSE, true) }
        if let body = r.body {
            easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
            body.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies now, so the Swift array need not outlive the call.
                _ = ccurl_easy_setopt_pointer(easy.raw, CURLOPT_COPYPOSTFIELDS,
                                              UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        switch r.method {
        case "GET" where r.body == nil: break
        case "HEAD": easy.set(CURLOPT_NOBODY, true)
        case "POST" where r.body != nil: break
        default: easy.set(CURLOPT_CUSTOMREQUEST, string: r.method)
        }
    }

    private func result() -> HTTPResult {
        HTTPResult(status: easy.info(long: CURLINFO_RESPONSE_CODE), headers: capture.headers, body: capture.body,
                   workerPid: capture.workerPid, workerServed: capture.workerServed, workerSlot: capture.workerSlot,
                   connectionClose: capture.connectionClose,
                   connectTime: easy.info(double: CURLINFO_CONNECT_TIME),
                   firstByteTime: easy.info(double: CURLINFO_STARTTRANSFER_TIME),
                   totalTime: easy.info(double: CURLINFO_TOTAL_TIME),
                   newConnections: easy.info(long: CURLINFO_NUM_CONNECTS),
                   silentResend: capture.silentResend)
    }
}

/// One-shot GET (or another method) on a new client: a fresh connection, closed afterwards.
public func curlGet(_ url: String, method: String = "GET", headers: [String] = [], body: [UInt8]? = nil,
                    timeout: Double = 10) -> Result<HTTPResult, CurlError> {
    CurlClient().perform(CurlRequest(method: method, url: url, headers: headers, body: body, timeout: timeout))
}

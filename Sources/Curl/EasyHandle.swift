import CCurl
import CCurlShim

/// Owns one CURL easy handle; typed setters over the C shim.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer

    init() {
        CurlGlobal.ensure()
        guard let h = curl_easy_init() else { fatalError("curl_easy_init failed") }
        raw = h
    }

    deinit { curl_easy_cleanup(raw) }

    func set(_ opt: CURLoption, _ value: Int) { _ = ccurl_easy_setopt_long(raw, opt, value) }
    func set(_ opt: CURLoption, _ value: Bool) { _ = ccurl_easy_setopt_long(raw, opt, value ? 1 : 0) }
    func set(_ opt: CURLoption, string value: String) { _ = ccurl_easy_setopt_string(raw, opt, value) }
    func set(_ opt: CURLoption, pointer value: UnsafeMutableRawPointer?) { _ = ccurl_easy_setopt_pointer(raw, opt, value) }
    func set(_ opt: CURLoption, offset value: Int64) { _ = ccurl_easy_setopt_off(raw, opt, curl_off_t(value)) }

    /// Installs the capture callbacks (header parse, body, debug for resend detection).
    func attach(_ capture: ResponseCapture, detectResends: Bool) {
        let user = Unmanaged.passUnretained(capture).toOpaque()
        _ = ccurl_easy_setopt_write_callback(raw, CURLOPT_HEADERFUNCTION, CaptureCallbacks.header)
        set(CURLOPT_HEADERDATA, pointer: user)
        _ = ccurl_easy_setopt_write_callback(raw, CURLOPT_WRITEFUNCTION, CaptureCallbacks.body)
        set(CURLOPT_WRITEDATA, pointer: user)
        if detectResends {
            // The debug callback only runs with VERBOSE on; it sees each
            // request header block sent and libcurl's retry notice.
            _ = ccurl_easy_setopt_debug_callback(raw, CaptureCallbacks.debug)
            set(CURLOPT_DEBUGDATA, pointer: user)
            set(CURLOPT_VERBOSE, true)
        }
    }

    func info(long key: CURLINFO) -> Int {
        var v = 0
        _ = ccurl_easy_getinfo_long(raw, key, &v)
        return v
    }

    func info(double key: CURLINFO) -> Double {
        var v = 0.0
        _ = ccurl_easy_getinfo_double(raw, key, &v)
        return v
    }
}

/// A curl_slist built from Swift strings; freed on deinit.
final class HeaderList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines { raw = curl_slist_append(raw, line) }
    }

    deinit { curl_slist_free_all(raw) }
}

import CCurl
import Glibc

/// Per-transfer state the libcurl callbacks fill in. Parses only the status
/// line, X-Worker-* and Connection in the hot path; keeps every header and
/// the body only when asked (CurlClient), not in the load loop.
final class ResponseCapture {
    let keepHeaders: Bool
    let keepBody: Bool

    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var workerPid: Int32?
    var workerServed: Int?
    var workerSlot: Int?
    var connectionClose = false
    /// Request header blocks sent (CURLINFO_HEADER_OUT): > 1 means a resend.
    var headerBlocksSent = 0
    /// libcurl said "Connection died, retrying a fresh connect".
    var connectionDied = false

    init(keepHeaders: Bool, keepBody: Bool) {
        self.keepHeaders = keepHeaders
        self.keepBody = keepBody
    }

    /// Clears everything for a new transfer.
    func reset() {
        resetResponse()
        if keepBody { body.removeAll(keepingCapacity: true) }
        headerBlocksSent = 0
        connectionDied = false
    }

    /// Clears the response head (a new status line: 1xx, or a retry).
    func resetResponse() {
        status = 0
        if keepHeaders { headers.removeAll(keepingCapacity: true) }
        workerPid = nil
        workerServed = nil
        workerSlot = nil
        connectionClose = false
    }

    var silentResend: Bool { headerBlocksSent > 1 || connectionDied }

    /// One header line from libcurl (status line, field line, or the blank line).
    func headerLine(_ line: UnsafeRawBufferPointer) {
        var end = line.count
        while end > 0, line[end - 1] == 13 || line[end - 1] == 10 { end -= 1 }
        guard end > 0 else { return }
        if end >= 5, line[0] == 72, line[1] == 84, line[2] == 84, line[3] == 80, line[4] == 47 {   // "HTTP/"
            resetResponse()
            status = Self.statusCode(line, end: end)
            return
        }
        guard let colon = (0..<end).first(where: { line[$0] == 58 }) else { return }
        var vStart = colon + 1
        while vStart < end, line[vStart] == 32 || line[vStart] == 9 { vStart += 1 }
        var vEnd = end
        while vEnd > vStart, line[vEnd - 1] == 32 || line[vEnd - 1] == 9 { vEnd -= 1 }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        let value = UnsafeRawBufferPointer(rebasing: line[vStart..<vEnd])
        if keepHeaders {
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        if AsciiMatch.equalsLowercase(name, "x-worker-pid") {
            workerPid = AsciiMatch.integer(value).flatMap { Int32(exactly: $0) }
        } else if AsciiMatch.equalsLowercase(name, "x-worker-served") {
            workerServed = AsciiMatch.integer(value)
        } else if AsciiMatch.equalsLowercase(name, "x-worker-slot") {
            workerSlot = AsciiMatch.integer(value)
        } else if AsciiMatch.equalsLowercase(name, "connection") {
            if AsciiMatch.containsTokenClose(value) { connectionClose = true }
        }
    }

    private static func statusCode(_ line: UnsafeRawBufferPointer, end: Int) -> Int {
        guard let space = (0..<end).first(where: { line[$0] == 32 }), space + 3 < end + 1 else { return 0 }
        var code = 0
        for i in (space + 1)..<min(space + 4, end) {
            let d = line[i]
            guard d >= 48, d <= 57 else { return 0 }
            code = code * 10 + Int(d - 48)
        }
        return code
    }
}

/// Byte-level ASCII helpers for header parsing without Foundation.
enum AsciiMatch {
    /// `bytes` equals `lower` ignoring ASCII case (`lower` must be lowercase).
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let l = lower.utf8Start
        for i in 0..<bytes.count {
            var b = bytes[i]
            if b >= 65 && b <= 90 { b |= 0x20 }
            if b != l[i] { return false }
        }
        return true
    }

    /// Decimal integer (no sign), nil if empty or not all digits.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var v = 0
        for b in bytes {
            guard b >= 48, b <= 57 else { return nil }
            v = v * 10 + Int(b - 48)
        }
        return v
    }

    /// The comma-separated token list contains "close" (any case).
    static func containsTokenClose(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for token in bytes.split(separator: 44) {
            var s = token.startIndex, e = token.endIndex
            while s < e, token[s] == 32 || token[s] == 9 { s += 1 }
            while e > s, token[e - 1] == 32 || token[e - 1] == 9 { e -= 1 }
            if equalsLowercase(UnsafeRawBufferPointer(rebasing: bytes[s..<e]), "close") { return true }
        }
        return false
    }
}

/// The C callbacks; userdata is an unretained ResponseCapture owned by the caller.
enum CaptureCallbacks {
    static let header: curl_write_callback = { data, size, count, user in
        let n = size * count
        guard let data, let user else { return n }
        let capture = Unmanaged<ResponseCapture>.fromOpaque(user).takeUnretainedValue()
        capture.headerLine(UnsafeRawBufferPointer(start: data, count: n))
        return n
    }

    static let body: curl_write_callback = { data, size, count, user in
        let n = size * count
        guard let data, let user else { return n }
        let capture = Unmanaged<ResponseCapture>.fromOpaque(user).takeUnretainedValue()
        if capture.keepBody {
            capture.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
        }
        return n
    }

    static let debug: curl_debug_callback = { _, type, data, size, user in
        guard let user else { return 0 }
        let capture = Unmanaged<ResponseCapture>.fromOpaque(user).takeUnretainedValue()
        // curl_infotype: 0 TEXT, 2 HEADER_OUT (the enum cases do not import by name).
        if type.rawValue == 2 {
            capture.headerBlocksSent += 1
        } else if type.rawValue == 0, let data, size >= 15,
                  memcmp(data, "Connection died", 15) == 0 {
            capture.connectionDied = true
        }
        return 0
    }
}

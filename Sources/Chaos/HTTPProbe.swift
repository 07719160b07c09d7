import Curl

/// One libcurl request made by the runner itself (fault endpoints, in-flight
/// probes), timed and turned into a history event.
enum HTTPProbe {
    static func get(_ base: String, _ path: String, timeout: Double, source: RequestSource) -> RequestEvent {
        let start = monotonicNow()
        let r = CurlClient(detectResends: false).perform(
            CurlRequest(url: base + path.dropFirst(base.hasSuffix("/") ? 1 : 0), timeout: timeout,
                        freshConnection: true, forbidReuse: true))
        let end = monotonicNow()
        switch r {
        case .success(let h):
            return RequestEvent(start: start, end: end, status: h.status, workerPid: h.workerPid,
                                served: h.workerServed, curlCode: 0, path: path, source: source)
        case .failure(let e):
            return RequestEvent(start: start, end: end, status: 0, curlCode: e.code, path: path, source: source)
        }
    }
}

extension RequestEvent {
    /// From a load-loop record.
    init(_ r: RequestRecord) {
        self.init(intendedStart: r.intendedStart, start: r.start, end: r.end, status: r.status,
                  workerPid: r.workerPid, served: r.served, curlCode: r.curlCode,
                  silentResend: r.silentResend, path: r.path, source: .load)
    }
}

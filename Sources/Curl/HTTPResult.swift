/// A completed HTTP exchange as libcurl saw it (the final response only).
public struct HTTPResult: Sendable {
    /// Status code of the final response.
    public var status: Int
    /// Header fields of the final response, in order, as received.
    public var headers: [(name: String, value: String)]
    /// Response body (empty for HEAD).
    public var body: [UInt8]
    /// X-Worker-Pid, if present and numeric.
    public var workerPid: Int32?
    /// X-Worker-Served, if present and numeric.
    public var workerServed: Int?
    /// X-Worker-Slot, if present and numeric.
    public var workerSlot: Int?
    /// The response carried `Connection: close`.
    public var connectionClose: Bool
    /// Seconds from start until the TCP connect finished (0 when reused).
    public var connectTime: Double
    /// Seconds from start until the first response byte.
    public var firstByteTime: Double
    /// Seconds for the whole transfer.
    public var totalTime: Double
    /// New connections this transfer opened (CURLINFO_NUM_CONNECTS): 0 = reused.
    public var newConnections: Int
    /// libcurl sent the request more than once (a reused connection died and it retried silently).
    public var silentResend: Bool

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                workerPid: Int32? = nil, workerServed: Int? = nil, workerSlot: Int? = nil,
                connectionClose: Bool = false, connectTime: Double = 0, firstByteTime: Double = 0,
                totalTime: Double = 0, newConnections: Int = 0, silentResend: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.workerPid = workerPid
        self.workerServed = workerServed
        self.workerSlot = workerSlot
        self.connectionClose = connectionClose
        self.connectTime = connectTime
        self.firstByteTime = firstByteTime
        self.totalTime = totalTime
        self.newConnections = newConnections
        self.silentResend = silentResend
    }

    /// The first header named `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// All values of header `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// One request of a load run, as libcurl saw it. Times are CLOCK_MONOTONIC ns.
public struct RequestRecord: Sendable, Codable, Equatable {
    /// When the schedule meant it to start (== start without a rate).
    public var intendedStart: UInt64
    /// When it was handed to libcurl.
    public var start: UInt64
    /// When libcurl reported it done.
    public var end: UInt64
    /// HTTP status, 0 when no response arrived.
    public var status: Int
    /// X-Worker-Pid of the response.
    public var workerPid: Int32?
    /// X-Worker-Served of the response.
    public var served: Int?
    /// CURLcode (0 = OK).
    public var curlCode: Int32
    /// New connections opened for it (0 = reused).
    public var newConnections: Int
    /// libcurl silently sent it again on a new connection after a reused one died.
    public var silentResend: Bool
    /// The path requested ("" when the base URL itself).
    public var path: String
    /// The response carried Connection: close.
    public var connectionClose: Bool

    public init(intendedStart: UInt64, start: UInt64, end: UInt64, status: Int, workerPid: Int32?, served: Int?,
                curlCode: Int32, newConnections: Int, silentResend: Bool, path: String, connectionClose: Bool = false) {
        self.intendedStart = intendedStart
        self.start = start
        self.end = end
        self.status = status
        self.workerPid = workerPid
        self.served = served
        self.curlCode = curlCode
        self.newConnections = newConnections
        self.silentResend = silentResend
        self.path = path
        self.connectionClose = connectionClose
    }

    /// CLOCK_MONOTONIC nanoseconds (same clock as the records).
    public static func monotonicNow() -> UInt64 { Curl.monotonicNow() }

    /// Latency from the intended start (coordinated-omission safe), in seconds.
    public var latency: Double { Double(end &- intendedStart) / 1e9 }

    /// The kind of the libcurl failure, nil on success.
    public var errorKind: CurlError.Kind? { curlCode == 0 ? nil : CurlError.kind(of: curlCode) }
}

/// What `LoadLoop` runs.
public struct LoadOptions: Sendable {
    /// Base URL; with `paths`, each path is appended to it.
    public var url: String
    /// Requests in flight at once (one easy handle each).
    public var concurrency: Int
    /// Stop starting requests after this many seconds.
    public var duration: Double?
    /// Stop after starting this many requests.
    public var count: Int?
    /// Reuse connections; false closes each connection after its request.
    public var keepAlive: Bool
    /// Total requests per second on a fixed schedule (request i is due at
    /// start + i/rate; latency counts from then). nil: as fast as possible.
    public var rate: Double?
    /// Per-request timeout in seconds.
    public var timeout: Double
    /// Paths to request, appended to `url` ("/a?x=1"); nil: `url` itself.
    public var paths: [String]?
    /// Pick paths at random (seeded) instead of cycling through them.
    public var randomPaths: Bool
    /// Seed for `randomPaths`.
    public var seed: UInt64
    /// Extra request header lines, "Name: value".
    public var headers: [String]
    /// Detect libcurl's silent resends (VERBOSE + debug callback; costs a little).
    public var detectResends: Bool
    /// Threads (each its own multi handle) sharing `concurrency`, `count` and
    /// `rate`. libcurl costs ~2x wrk's CPU per request; on a small machine 2
    /// threads are needed to approach wrk -t1. `onRecord` still runs only on
    /// the calling thread.
    public var threads: Int

    /// This share's place among `partitionCount` shares (set by LoadLoop).
    var partitionIndex = 0
    var partitionCount = 1

    public init(url: String, concurrency: Int = 32, duration: Double? = nil, count: Int? = nil,
                keepAlive: Bool = true, rate: Double? = nil, timeout: Double = 10, paths: [String]? = nil,
                randomPaths: Bool = false, seed: UInt64 = 1, headers: [String] = [], detectResends: Bool = true, threads: Int = 1) {
        self.url = url
        self.concurrency = concurrency
        self.duration = duration
        self.count = count
        self.keepAlive = keepAlive
        self.rate = rate
        self.timeout = timeout
        self.paths = paths
        self.randomPaths = randomPaths
        self.seed = seed
        self.headers = headers
        self.detectResends = detectResends
        self.threads = threads
    }

    /// Share k of n: global request g belongs to share g % n, so counts,
    /// schedule slots and path cycling are the same as for one thread.
    func partition(_ k: Int, of n: Int) -> LoadOptions {
        var o = self
        o.threads = 1
        o.partitionIndex = k
        o.partitionCount = n
        o.concurrency = concurrency / n + (k < concurrency % n ? 1 : 0)
        o.count = count.map { max(0, ($0 - k + n - 1) / n) }
        o.rate = rate.map { $0 / Double(n) }
        return o
    }
}

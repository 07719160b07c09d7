/// When the load loop may start request i: count/duration/stop limits and
/// the optional fixed-rate schedule (request i due at t0 + i/rate).
struct Schedule {
    let t0: UInt64
    let endTime: UInt64?
    let count: Int?
    let interval: Double?   // ns between this share's intended starts
    let offset: Double      // ns: share k of n starts k/rate after t0
    private(set) var next = 0

    init(options: LoadOptions, t0: UInt64) {
        self.t0 = t0
        endTime = options.duration.map { t0 &+ UInt64(max($0, 0) * 1e9) }
        count = options.count
        interval = options.rate.map { 1e9 / $0 }
        offset = (interval ?? 0) * Double(options.partitionIndex) / Double(options.partitionCount)
    }

    /// More requests may still be started (ignoring the rate).
    func canStart(now: UInt64, stop: StopFlag) -> Bool {
        if let count, next >= count { return false }
        if let endTime, now >= endTime { return false }
        return !stop.isStopped
    }

    /// The next request may start now.
    func isDue(now: UInt64, stop: StopFlag) -> Bool {
        guard canStart(now: now, stop: stop) else { return false }
        return now >= intended(next, now: now)
    }

    /// Intended start of request i (`now` without a rate).
    func intended(_ i: Int, now: UInt64) -> UInt64 {
        guard let interval else { return now }
        return t0 &+ UInt64(offset + Double(i) * interval)
    }

    mutating func takeNext() -> Int {
        defer { next += 1 }
        return next
    }

    /// How long curl_multi_poll may sleep: until the next intended start when
    /// a slot is free, else up to 100 ms (activity wakes it earlier).
    func waitMs(now: UInt64, stop: StopFlag, haveFree: Bool) -> Int {
        guard haveFree, interval != nil, canStart(now: now, stop: stop) else { return 100 }
        let due = intended(next, now: now)
        guard due > now else { return 0 }
        return min(100, Int((due - now) / 1_000_000) + 1)
    }
}

/// One planned-change type's figures in a run: how many events, the
/// requests in their windows, how many of those were lost and how many
/// libcurl resent (safe retries). The report's "planned changes:" line,
/// its JSON `plannedChanges` and the JUnit properties `planned.KIND.*`.
public struct PlannedChangeCount: Codable, Sendable, Equatable {
    /// upgrade, reload, scale-down, scale-up, bad-upgrade, retirement, graceful-stop.
    public var kind: String
    public var events: Int
    public var requests: Int
    public var lost: Int
    public var resent: Int

    public init(kind: String, events: Int, requests: Int, lost: Int, resent: Int) {
        self.kind = kind
        self.events = events
        self.requests = requests
        self.lost = lost
        self.resent = resent
    }
}

extension PlannedChangeCount {
    /// The report's order: the operator's changes first, then the daemon's own.
    static let order = ["upgrade", "reload", "scale-down", "scale-up", "bad-upgrade", "retirement", "graceful-stop"]

    /// The types zero-loss-planned counted, from its metrics (`KIND_events`,
    /// `_requests`, `_lost`, `_retried`: the invariant keeps one tally, the
    /// report reads it); empty when it skipped or is missing.
    static func counts(from v: Verdict?) -> [PlannedChangeCount] {
        guard let m = v?.metrics else { return [] }
        return order.compactMap { k in
            guard let events = m["\(k)_events"] else { return nil }
            return PlannedChangeCount(kind: k, events: Int(events), requests: Int(m["\(k)_requests"] ?? 0),
                                      lost: Int(m["\(k)_lost"] ?? 0), resent: Int(m["\(k)_retried"] ?? 0))
        }
    }

    /// "upgrade 21 events / 4410 requests / 0 lost / 3 resent".
    var line: String { "\(kind) \(events) events / \(requests) requests / \(lost) lost / \(resent) resent" }
}

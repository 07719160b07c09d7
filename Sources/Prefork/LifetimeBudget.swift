/// A worker's lifetime (the seed's "exit after 100 requests", made exact):
/// each response reserves one unit, numbered 1, 2, 3... with no gap or
/// duplicate; after the last unit the worker stops accepting, answers what it
/// reserved with `Connection: close`, and exits 0. A request that finds the
/// budget spent is never answered (its connection closes before any byte).
struct LifetimeBudget {
    /// Total units, lifetime + this worker's jitter; nil = unlimited.
    let limit: Int?
    private(set) var reserved = 0

    init(lifetime: Int?, jitter: Int, extra: Int = 0) {
        guard let lifetime else { limit = nil; return }
        limit = lifetime + (jitter > 0 ? Int.random(in: 0...jitter) : 0) + extra
    }

    /// The next unit's number, or nil when the budget is spent.
    mutating func reserve() -> Int? {
        if let limit, reserved >= limit { return nil }
        reserved += 1
        return reserved
    }

    /// True once the last unit is reserved.
    var isSpent: Bool {
        guard let limit else { return false }
        return reserved >= limit
    }
}

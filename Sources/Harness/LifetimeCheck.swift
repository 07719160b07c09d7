/// One response as the client saw it: which worker answered, with which
/// X-Worker-Served count, and whether it said `Connection: close`.
public struct ServedRecord: Sendable, Equatable {
    /// X-Worker-Pid.
    public var pid: Int32
    /// X-Worker-Served.
    public var served: Int
    /// The response carried `Connection: close`.
    public var connectionClose: Bool

    public init(pid: Int32, served: Int, connectionClose: Bool = false) {
        self.pid = pid
        self.served = served
        self.connectionClose = connectionClose
    }
}

/// Judges the lifetime contract over recorded responses (pure, no I/O).
public enum LifetimeCheck {
    /// What the records must satisfy.
    public struct Budget: Sendable {
        /// Most responses any one worker may give (lifetime + jitter).
        public var maximum: Int
        /// Every worker's budget is exactly `maximum` (no jitter): the response
        /// with served == maximum must carry `Connection: close`.
        public var exact: Bool
        /// Records are in the order the client received them from a
        /// sequential client: per pid, served must rise by exactly 1 each time.
        public var sequential: Bool

        public init(maximum: Int, exact: Bool, sequential: Bool) {
            self.maximum = maximum
            self.exact = exact
            self.sequential = sequential
        }
    }

    /// Violations, one message per problem with the evidence: per pid the
    /// served counts must be 1, 2, ... k with no gap and no duplicate,
    /// k <= maximum; with `sequential`, in that order; with `exact`, the
    /// response with served == maximum says `Connection: close`.
    public static func violations(_ records: [ServedRecord], budget: Budget) -> [String] {
        var byPid: [Int32: [ServedRecord]] = [:]
        var order: [Int32] = []
        for r in records {
            if byPid[r.pid] == nil { order.append(r.pid) }
            byPid[r.pid, default: []].append(r)
        }
        var messages: [String] = []
        for pid in order {
            messages += violations(pid: pid, byPid[pid]!, budget: budget)
        }
        return messages
    }

    private static func violations(pid: Int32, _ rs: [ServedRecord], budget: Budget) -> [String] {
        var messages: [String] = []
        let counts = rs.map(\.served)
        let sorted = counts.sorted()
        if sorted != Array(1...sorted.count) {   // rs is never empty
            messages.append("pid=\(pid) served counts \(sorted) are not 1...\(sorted.count) (gap or duplicate)")
        }
        if let top = sorted.last, top > budget.maximum {
            messages.append("pid=\(pid) answered with served=\(top) > lifetime budget \(budget.maximum)")
        }
        if budget.sequential, counts != sorted {
            messages.append("pid=\(pid) served counts arrived out of order: \(counts)")
        }
        if budget.exact {
            for r in rs where r.served == budget.maximum && !r.connectionClose {
                messages.append("pid=\(pid) response served=\(r.served) (its last) lacks Connection: close")
            }
        }
        return messages
    }
}

/// Which connections hold a claim on the worker's remaining lifetime units.
///
/// Lossless rollover rule 1 (ARCHITECTURE.md) lets a worker with a lifetime
/// accept a connection only while more units remain than connections that
/// may need one, so no accepted connection is closed unanswered. Counting
/// every open connection turned the budget into a connection cap an attacker
/// fills: 1000 slowloris connections (a header byte a second) took every
/// unit of both workers, and fresh clients waited in the backlog for the
/// header timeout. So a connection claims a unit only once it may really
/// need one:
///
/// - `held`: it was answered before (a keep-alive client may come back), or
///   its request head is complete (a body is on the way).
/// - `provisional`: just accepted; it claims for `headGrace`, long enough
///   for a client whose head is in flight (TCP_DEFER_ACCEPT already waited
///   for its first bytes), far too short for a slow client.
/// - `none`: fresh, and no complete head within `headGrace`: it claims
///   nothing, so it no longer keeps the worker from accepting. If units are
///   left when its head completes it is answered; if the budget is spent
///   first, it is closed before any byte of a response (the lifetime
///   contract), and at the worker's drain it is closed at once instead of
///   holding the retiring worker for the header timeout.
///
/// Only workers with a lifetime track claims; without one every connection
/// is `held` and nothing here runs.
enum UnitClaim: Equatable {
    case held
    case provisional(until: Instant)
    case none
}

extension Worker {
    static let headGrace: Duration = .milliseconds(25)

    /// Connections that may still need a unit (lingering and unclaimed ones do not).
    var claimingConnections: Int { servingConnections - unclaimedConnections }

    /// A new connection's claim: provisional with a lifetime.
    func initialClaim(now: Instant) -> UnitClaim {
        budget.limit == nil ? .held : .provisional(until: now + Self.headGrace)
    }

    /// The connection reserved a unit or completed a head: it holds a claim.
    func holdClaim(_ connection: Connection) {
        if connection.claim == .none { unclaimedConnections -= 1 }
        connection.claim = .held
    }

    /// The connection stops counting at all (closing or closed).
    func dropClaim(_ connection: Connection) {
        if connection.claim == .none { unclaimedConnections -= 1 }
        connection.claim = .held
    }

    /// The provisional claim ran out. A head already complete keeps it;
    /// otherwise the connection claims nothing (and, while draining, closes:
    /// no unit will ever answer it).
    func expireClaim(_ connection: Connection) {
        guard case .provisional = connection.claim, hearOut(connection) else { return }
        guard case .provisional = connection.claim else { return }  // the read completed a head
        if connection.parser.phase == .body || connection.responses > 0 { connection.claim = .held; return }
        connection.claim = .none
        unclaimedConnections += 1
        if draining { close(connection) } else { resumeAccepting() }
    }
}

extension Worker {
    /// Reads what a connection that looks silent (nothing received, or no
    /// head) may already have, before it is judged as silent: a worker
    /// starved for longer than `headGrace` (a loaded machine) ran its timers
    /// before it read the requests waiting in the socket, so their claims
    /// lapsed unread and a stop then closed them, with the requests unread:
    /// RST (curl 56 for 8 requests sent 150-180 ms before a SIGTERM in CI).
    /// False when the connection is gone after the read.
    func hearOut(_ connection: Connection) -> Bool {
        let silent = connection.claim != .held || (connection.isIdle && connection.responses == 0)
        guard silent, !connection.isLingering, connection.isOpen else { return true }
        readAndServe(connection)
        return self.connection(for: connection.fd) === connection
    }
}

extension Connection {
    /// The provisional claim's end, when it comes before `deadline`.
    @inline(__always)
    func claimDeadline(before deadline: Instant) -> Instant {
        if case .provisional(let until) = claim, until < deadline { return until }
        return deadline
    }

    func claimExpired(now: Instant) -> Bool {
        if case .provisional(let until) = claim { return until <= now }
        return false
    }
}

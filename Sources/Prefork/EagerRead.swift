/// Whether a worker reads a connection in the turn that accepts it, before
/// registering it in epoll.
///
/// When the request is already there (a client that sends right after its
/// connect completes, as most do on loopback), the eager read answers it at
/// once: a Connection: close exchange then never touches epoll (no epoll_ctl
/// ADD, no epoll_wait round trip). When it is not (wrk accepts faster than it
/// writes: 95% of its connections had nothing to read yet), the read is a
/// wasted syscall that fails with EAGAIN. Reading first pays off when more
/// than a third of the reads find data (one wasted read against the two
/// syscalls a hit saves), so hits count twice as much as misses; while
/// skipping, every `probeEvery`th connection is still read first so that a
/// change of clients is noticed.
struct EagerRead {
    private var score = 0
    private var skipped = 0
    static let limit = 8
    static let probeEvery = 16

    /// Read this connection before registering it?
    mutating func shouldRead() -> Bool {
        if score >= 0 { return true }
        skipped += 1
        if skipped < Self.probeEvery { return false }
        skipped = 0
        return true
    }

    /// The eager read found bytes (or EOF), or found nothing (EAGAIN).
    mutating func record(found: Bool) {
        score = found ? min(score + 2, Self.limit) : max(score - 1, -Self.limit)
    }
}

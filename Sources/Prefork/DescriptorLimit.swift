@preconcurrency import Glibc

/// RLIMIT_NOFILE at startup: raise the soft limit to the hard one (as nginx's
/// worker_rlimit_nofile and systemd's LimitNOFILE= do), and refuse to start
/// when `--worker-connections` cannot fit even then: a worker that runs out of
/// descriptors at the configured connection count fails accepts (EMFILE)
/// under exactly the load the operator sized it for.
enum DescriptorLimit {
    /// Descriptors a worker holds besides its connections: stdio, the
    /// listener, epoll, signalfd, the master pipe, the nudge eventfd, two
    /// logs, and static files being sent (one per connection at most, but
    /// rarely many at once).
    static let reserve = 64

    /// Raises the soft limit to the hard limit; returns the new soft limit.
    @discardableResult
    static func raise(toFit workerConnections: Int) throws(StartupError) -> Int {
        let needed = workerConnections + reserve
        let limit: (soft: rlim_t, hard: rlim_t)
        do {
            limit = try Posix.descriptorLimit()
            if limit.soft < limit.hard { try Posix.setDescriptorLimit(soft: limit.hard, hard: limit.hard) }
        } catch {
            throw StartupError(posix: error)
        }
        let available = Int(clamping: limit.hard)  // RLIM_INFINITY is all ones: Int.max
        guard needed <= available else {
            throw StartupError("--worker-connections \(workerConnections) needs \(needed) file descriptors per worker, "
                + "but the hard RLIMIT_NOFILE is \(available) (raise it with ulimit -Hn or LimitNOFILE=, or lower --worker-connections)")
        }
        return available
    }
}

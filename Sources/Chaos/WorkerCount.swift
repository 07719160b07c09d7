import Glibc
import Harness

/// `--workers auto`: a foreign server's worker count, read from /proc. Servers
/// fork their workers around the time they start answering (gunicorn after
/// binding, nginx before), so the count is taken once it has stayed the same
/// for `stable` seconds, checked every `interval`, for at most `timeout`.
enum WorkerCount {
    /// Live (non-zombie) children of `master` once the count settles; the last
    /// count seen when it never settles within `timeout`.
    /// No children at all must hold for `stableNone` (a server may fork its
    /// workers a moment after it starts answering).
    static func settled(master: Int32, stable: Double = 1.0, stableNone: Double = 3.0, interval: Double = 0.1,
                        timeout: Double = 15) -> Int {
        var last = -1, same = 0
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        while monotonicNanos() < deadline {
            let n = ProcFS.children(of: master).filter { !$0.isZombie }.count
            if n == last { same += 1 } else { same = 0; last = n }
            if Double(same) * interval >= (n > 0 ? stable : stableNone) { return n }
            Sys.sleep(interval)
        }
        return max(0, last)
    }
}

import Logging

/// Unexpected syscall failures in a supervising or serving loop, logged once
/// per call and errno (unicorn's "master loop error"): a failure that repeats
/// every turn must neither flood the log nor vanish. What the loop does next
/// is decided by the caller, per call.
struct LoopErrors {
    private var seen: Set<String> = []

    /// Logs `error` the first time this call fails with this errno.
    mutating func report(_ error: PosixError, action: String, log: Logger) {
        let key = "\(error.call):\(error.errno)"
        guard seen.insert(key).inserted else { return }
        log.error("loop_error", metadata: [
            "call": "\(error.call)", "errno": "\(Posix.errnoName(error.errno))", "error": "\(error)", "action": "\(action)",
        ])
    }
}

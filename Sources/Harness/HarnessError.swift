import Glibc

/// Errors from Harness operations other than a failed system call (which
/// throws `SystemCallError`).
public enum HarnessError: Error, CustomStringConvertible, Sendable {
    /// The spawned process ended or closed stdout before printing the ready line.
    case notReady(String)
    /// A wait ran out of time.
    case timeout(String)

    public var description: String {
        switch self {
        case .notReady(let why): return "not ready: \(why)"
        case .timeout(let what): return "timeout: \(what)"
        }
    }
}

import Glibc

/// Errors from Harness operations; carries errno and the call where relevant.
public enum HarnessError: Error, CustomStringConvertible, Sendable {
    /// A system call failed.
    case syscall(String, errno: Int32)
    /// The spawned process ended or closed stdout before printing the ready line.
    case notReady(String)
    /// A wait ran out of time.
    case timeout(String)

    public var description: String {
        switch self {
        case .syscall(let call, let err): return "\(call) failed: \(String(cString: strerror(err))) (errno \(err))"
        case .notReady(let why): return "not ready: \(why)"
        case .timeout(let what): return "timeout: \(what)"
        }
    }
}

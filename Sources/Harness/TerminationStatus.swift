import CShims

/// How a child process ended, decoded from a `waitpid` status word. The
/// suite's one copy: Chaos records it in its history (`ExitStatus`).
public enum TerminationStatus: Codable, Equatable, Sendable, CustomStringConvertible {
    /// Normal exit with this exit code.
    case exited(Int32)
    /// Killed by this signal number.
    case signaled(Int32)

    /// Decodes a raw `waitpid` status; nil for stopped/continued states.
    public init?(waitStatus status: Int32) {
        if cshim_wifexited(status) != 0 {
            self = .exited(cshim_wexitstatus(status))
        } else if cshim_wifsignaled(status) != 0 {
            self = .signaled(cshim_wtermsig(status))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit:\(code)"
        case .signaled(let sig): return "signal:\(sig)"
        }
    }
}

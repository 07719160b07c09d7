@preconcurrency import Glibc

/// A log destination shared by the master and its workers: opened with
/// O_APPEND (so each write() lands whole at the end, whichever process wrote
/// it) before the first fork, and reopened in place after logrotate renamed
/// it (USR1). nil path = standard error.
final class AppendFile {
    let path: String?
    private var fd: Int32

    init(path: String?) throws(PosixError) {
        self.path = path
        fd = try path.map(Self.open) ?? STDERR_FILENO
    }

    private static func open(_ path: String) throws(PosixError) -> Int32 {
        try Posix.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    }

    /// Reopens the file at `path`. On failure the old descriptor stays:
    /// writing to the renamed file is better than losing the log.
    @discardableResult
    func reopen() -> PosixError? {
        guard let path else { return nil }
        do {
            let newFD = try Self.open(path)
            Posix.close(fd)
            fd = newFD
            return nil
        } catch {
            return error
        }
    }

    /// Writes `bytes` with one write() (a short write, e.g. a full pipe, sends
    /// the rest after it). Errors are dropped: a log must never stop the server.
    func write(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

@preconcurrency import Glibc

/// `--pid-file`: written atomically (temp file + rename) once the master's pid
/// is final, refusing to start over a live process, replacing a stale file,
/// and removed on a clean stop only if it still names us.
struct PidFile {
    let path: String

    /// Fails if the file names a process that is alive; a stale or unreadable
    /// file is replaced.
    func claim(pid: pid_t) throws(StartupError) {
        if let existing = Self.readPid(path), existing != pid, Self.isAlive(existing) {
            throw StartupError("pid file \(path) names a running process (pid \(existing)); is preforkd already running?")
        }
        try write(pid: pid)
    }

    /// Replaces the file's content with `pid` atomically (temp file + rename),
    /// whatever it named: an upgrade's new master taking over.
    func write(pid: pid_t) throws(StartupError) {
        let temp = "\(path).\(pid).tmp"
        do {
            let fd = try Posix.open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            defer { Posix.close(fd) }
            try Posix.writeAll(fd, "\(pid)\n")
            try Posix.rename(temp, path)
        } catch {
            try? Posix.unlink(temp)  // best effort: the error that matters is the one thrown
            throw StartupError("cannot write pid file \(path): \(error)")
        }
    }

    /// Removes the file if it still holds `pid` (a newer instance may own it).
    /// A file that cannot be removed (EACCES, EROFS) is left: the next start
    /// finds it stale and replaces it.
    func release(pid: pid_t) {
        if Self.readPid(path) == pid { try? Posix.unlink(path) }
    }

    static func readPid(_ path: String) -> pid_t? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 32)
        guard fgets(&buffer, 32, file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return pid_t(text.trimmingWhitespace())
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        Posix.processExists(pid)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }),
              let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}

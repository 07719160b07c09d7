@preconcurrency import Glibc

/// The program an upgrade re-executes: the path it was started from, made
/// absolute once at startup (before `--daemon` changes directory). Symlinks
/// are kept, not resolved, and the file is looked up again at each upgrade,
/// so a deploy that replaces the file (or flips a release symlink) is what
/// USR2 runs; /proc/self/exe would run the old build again.
struct BinaryPath: Equatable {
    /// Absolute path of the executable.
    let path: String
    /// The full argument vector to pass again (argv[0] included).
    let arguments: [String]
    /// The working directory at startup: relative paths in `arguments` keep
    /// their meaning for the new master.
    let directory: String

    /// `argv0` as given to exec: with a slash it is a path (relative to the
    /// current directory), without one it was found on PATH.
    static func resolve(argv0: String, arguments: [String], cwd: String? = currentDirectory(),
                        searchPath: String? = getenv("PATH").map { String(cString: $0) }) -> BinaryPath {
        let dir = cwd ?? "/"
        let path: String
        if argv0.contains("/") {
            path = argv0.hasPrefix("/") ? argv0 : dir + "/" + argv0
        } else {
            let candidates = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map { entry in
                let base = entry.isEmpty ? dir : (entry.hasPrefix("/") ? String(entry) : dir + "/" + entry)
                return base + "/" + argv0
            }
            path = candidates.first { access($0, X_OK) == 0 } ?? selfExecutable() ?? argv0
        }
        return BinaryPath(path: normalized(path), arguments: arguments, directory: dir)
    }

    /// Drops "." components and repeated slashes (".." is kept: it may cross a symlink).
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    static func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Last resort when PATH does not name us: the running file.
    private static func selfExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }
}

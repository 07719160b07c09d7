import CShims
import Glibc

/// Spawning for the harness: fork + exec in C (CShims' cshim_spawn_guarded),
/// where the child does only async-signal-safe calls, so it is safe from a
/// multi-threaded process, unlike Swift fork().
enum Spawner {
    /// What the new process gets on its standard descriptors.
    struct Stdio {
        var stdoutWrite: Int32
        var stderrFile: Int32
    }

    /// Spawns `executable` (PATH-searched when it has no "/") and returns its pid.
    /// stdin is /dev/null; descriptors >= 3 are closed in the child; signal
    /// mask and dispositions are reset to defaults. The child gets
    /// PR_SET_PDEATHSIG(SIGKILL): if this process dies (an interrupted test
    /// run), so does the child, and a preforkd master's workers follow it.
    /// `listenFD`, if given, becomes the child's fd 3 (socket activation).
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      stdio: Stdio, newProcessGroup: Bool, listenFD: Int32? = nil) throws -> Int32 {
        guard let path = resolve(executable) else {
            throw SystemCallError(call: "spawn(\(executable)): not found in PATH", errno: ENOENT)
        }
        let null = try Sys.open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { Sys.close(null) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = environment ?? currentEnvironment()
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // Fork from the long-lived spawn thread: PDEATHSIG is tied to it.
        let (pid, code) = SpawnThread.shared.run { () -> (Int32, Int32) in
            let pid = cshim_spawn_guarded(path, argv, envp, null, stdio.stdoutWrite, stdio.stderrFile,
                                          newProcessGroup ? 1 : 0, SIGKILL, listenFD ?? -1)
            return (pid, pid < 0 ? errno : 0)
        }
        guard pid > 0 else { throw SystemCallError(call: "spawn(\(executable))", errno: code) }
        return pid
    }

    /// The path execve needs: as given when it has a "/", else the first
    /// executable match on PATH.
    static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return executable }
        let search = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in search.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(executable)"
            if Sys.accessible(candidate, X_OK) { return candidate }
        }
        return nil
    }

    static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                env[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            cursor += 1
        }
        return env
    }

    /// A pipe with both ends close-on-exec (the child's copy is made by dup2).
    static func pipe() throws -> (read: Int32, write: Int32) { try Sys.pipe() }

    /// An unlinked temporary file (close-on-exec) to capture stderr.
    static func anonymousTempFile() throws -> Int32 { try Sys.anonymousTempFile(prefix: "harness-stderr") }
}

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
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      stdio: Stdio, newProcessGroup: Bool) throws -> Int32 {
        guard let path = resolve(executable) else {
            throw SystemCallError(call: "spawn(\(executable)): not found in PATH", errno: ENOENT)
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { throw SystemCallError(call: "open(/dev/null)", errno: errno) }
        defer { close(null) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = environment ?? currentEnvironment()
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // Fork from the long-lived spawn thread: PDEATHSIG is tied to it.
        let (pid, code) = SpawnThread.shared.run { () -> (Int32, Int32) in
            let pid = cshim_spawn_guarded(path, argv, envp, null, stdio.stdoutWrite, stdio.stderrFile,
                                          newProcessGroup ? 1 : 0, SIGKILL)
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
            if access(candidate, X_OK) == 0 { return candidate }
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
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cshim_pipe_cloexec(&fds) == 0 else { throw SystemCallError(call: "pipe2", errno: errno) }
        return (fds[0], fds[1])
    }

    /// An unlinked temporary file (close-on-exec) to capture stderr.
    static func anonymousTempFile() throws -> Int32 {
        var template = Array("/tmp/harness-stderr-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { cshim_mkostemp_cloexec($0.baseAddress!) }
        guard fd >= 0 else { throw SystemCallError(call: "mkostemp", errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}

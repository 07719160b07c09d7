import CShims
import Glibc

/// posix_spawn with the file actions the harness needs. posix_spawn (vfork +
/// exec inside glibc) is safe from a multi-threaded process, unlike Swift fork().
enum Spawner {
    /// What the new process gets on its standard descriptors.
    struct Stdio {
        var stdoutWrite: Int32
        var stderrFile: Int32
    }

    /// Spawns `executable` (PATH-searched when it has no "/") and returns its pid.
    /// stdin is /dev/null; descriptors >= 3 are closed in the child; signal
    /// mask and the usual dispositions are reset to defaults.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      stdio: Stdio, newProcessGroup: Bool) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdio.stdoutWrite, 1)
        posix_spawn_file_actions_adddup2(&actions, stdio.stderrFile, 2)
        // Close whatever other threads of this process opened without CLOEXEC.
        _ = cshim_spawn_addclosefrom(&actions, 3)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        try configure(&attr, newProcessGroup: newProcessGroup)

        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envStrings = environment.map { env in env.map { strdup("\($0.key)=\($0.value)") } }
        defer { envStrings?.forEach { free($0) } }

        var pid: pid_t = 0
        let rc: Int32 = (argv + [nil]).withUnsafeBufferPointer { argvBuf in
            let argvPtr = UnsafePointer(argvBuf.baseAddress!)
            func run(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
                executable.contains("/")
                    ? posix_spawn(&pid, executable, &actions, &attr, argvPtr, envp)
                    : posix_spawnp(&pid, executable, &actions, &attr, argvPtr, envp)
            }
            if let envStrings {
                return (envStrings + [nil]).withUnsafeBufferPointer { run(UnsafePointer($0.baseAddress!)) }
            }
            return run(UnsafePointer(environ))
        }
        guard rc == 0 else { throw HarnessError.syscall("posix_spawn(\(executable))", errno: rc) }
        return pid
    }

    private static func configure(_ attr: inout posix_spawnattr_t, newProcessGroup: Bool) throws {
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attr, 0)   // 0: the child leads a new group, pgid = pid
        }
        posix_spawnattr_setflags(&attr, Int16(flags))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        // Dispositions the test process may have changed (ignored SIGPIPE is
        // inherited across exec) go back to default in the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU, SIGALRM] {
            sigaddset(&defaults, sig)
        }
        posix_spawnattr_setsigdefault(&attr, &defaults)
    }

    /// A pipe with both ends close-on-exec (the child's copy is made by dup2).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cshim_pipe_cloexec(&fds) == 0 else { throw HarnessError.syscall("pipe2", errno: errno) }
        return (fds[0], fds[1])
    }

    /// An unlinked temporary file (close-on-exec) to capture stderr.
    static func anonymousTempFile() throws -> Int32 {
        var template = Array("/tmp/harness-stderr-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { cshim_mkostemp_cloexec($0.baseAddress!) }
        guard fd >= 0 else { throw HarnessError.syscall("mkostemp", errno: errno) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}

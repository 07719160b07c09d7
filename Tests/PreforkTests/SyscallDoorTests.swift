import Foundation
import Testing

/// One door per side: every system call of Sources/ goes through `Posix`
/// (server: Sources/Prefork/Posix*.swift) or `Sys` (client: Sources/Harness/
/// SystemCall*.swift). This scans the other files for raw libc calls and
/// fails unless each is listed, with its reason, in ARCHITECTURE.md's table
/// "Syscalls outside the two doors". A row that no longer matches anything
/// fails too, so the table stays true.
@Suite struct SyscallDoorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyRawCallOutsideTheDoorsIsListed() throws {
        let findings = try SyscallScan.scan(sources: Self.root.appendingPathComponent("Sources"))
        let rows = try SyscallScan.exceptionRows(Self.architecture())
        try #require(!rows.isEmpty, "ARCHITECTURE.md has no \"Syscalls outside the two doors\" table")
        let unlisted = findings.filter { f in !rows.contains { $0.covers(f) } }
        #expect(unlisted.isEmpty, """
            raw libc calls outside Posix/Sys, not in ARCHITECTURE.md's exceptions table \
            (route them through the door of their side, or list them with a reason):
            \(unlisted.map(\.description).joined(separator: "\n"))
            """)
    }

    @Test func everyExceptionRowStillMatchesACall() throws {
        let findings = try SyscallScan.scan(sources: Self.root.appendingPathComponent("Sources"))
        let rows = try SyscallScan.exceptionRows(Self.architecture())
        for row in rows {
            for call in row.calls {
                let one = SyscallScan.ExceptionRow(calls: [call], files: row.files, reason: row.reason)
                #expect(findings.contains { one.covers($0) }, "exceptions row `\(call)` in \(row.files ?? ["anywhere"]) matches no call any more: remove it")
            }
            #expect(row.reason.count >= 10, "exceptions row \(row.calls) gives no reason")
        }
    }

    /// The scanner's own rules, on made-up lines (so a rule that stops
    /// matching is seen here, not as a silently empty scan).
    @Test func scannerRules() {
        func calls(_ line: String, declared: Set<String> = []) -> [String] {
            SyscallScan.rawCalls(in: line, declared: declared)
        }
        #expect(calls("let fd = socket(AF_INET, type, 0)") == ["socket"])
        #expect(calls("    _ = Glibc.close(fd)") == ["close"])
        #expect(calls("guard kill(pid, 0) == 0 else { return }") == ["kill"])
        #expect(calls("usleep(20_000); close(fd)") == ["usleep", "close"])
        #expect(calls("try Sys.sendAll(fd, bytes)").isEmpty, "a call through a door")
        #expect(calls("try Posix.close(fd)").isEmpty)
        #expect(calls("sleep(until: deadline)").isEmpty, "a labelled call is Swift's, not libc's")
        #expect(calls("func close(_ fd: Int32) {").isEmpty, "a declaration")
        #expect(calls("case exit(code: Int32)").isEmpty)
        #expect(calls("close(connection)", declared: ["close"]).isEmpty, "the type's own method")
        #expect(calls("Glibc.close(connection)", declared: ["close"]) == ["close"], "qualified: libc's whatever is declared")
        #expect(calls("throw SystemCallError(call: \"mkdir(\\(dir))\", errno: e)").isEmpty, "inside a string")
        #expect(calls("x = 1 // close(fd) once more").isEmpty, "inside a comment")
        #expect(calls("let pid = cshim_spawn_guarded(path, argv)") == ["cshim_spawn_guarded"])
    }

    static func architecture() throws -> String {
        try String(contentsOf: root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
    }
}

/// The scanner behind SyscallDoorTests.
enum SyscallScan {
    /// libc functions that enter the kernel (or stand for one: `usleep`,
    /// `mkfifo`, `opendir`), plus CShims' and CCurlShim's syscall shims.
    static let names: [String] = [
        "socket", "connect", "accept", "accept4", "bind", "listen", "read", "write", "pread", "pwrite", "readv", "writev",
        "recv", "recvfrom", "recvmsg", "send", "sendto", "sendmsg", "sendfile", "close", "shutdown",
        "open", "openat", "creat", "pipe", "pipe2", "dup", "dup2", "dup3", "fcntl", "ioctl", "lseek", "fsync",
        "setsockopt", "getsockopt", "getsockname", "getpeername",
        "poll", "ppoll", "select", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "eventfd", "signalfd",
        "kill", "killpg", "waitpid", "wait", "wait4", "waitid", "fork", "vfork", "execve", "execv", "execvp", "posix_spawn",
        "posix_spawnp", "setns", "unshare", "prctl", "setpgid", "setsid", "getpid", "getppid", "_exit",
        "sigprocmask", "pthread_sigmask", "sigaction", "signal",
        "usleep", "nanosleep", "sleep", "clock_gettime", "gettimeofday", "time",
        "mkdir", "rmdir", "unlink", "rename", "symlink", "readlink", "chmod", "chdir", "umask", "mkfifo", "mknod",
        "truncate", "ftruncate", "getcwd", "stat", "fstat", "lstat", "access", "opendir", "readdir", "closedir", "fopen", "fclose",
        "mount", "umount", "umount2", "mmap", "munmap", "getrlimit", "setrlimit", "prlimit", "sched_yield",
        "cshim_accept_nonblock", "cshim_epoll_create", "cshim_epoll_add", "cshim_epoll_mod", "cshim_epoll_del",
        "cshim_epoll_wait", "cshim_eventfd", "cshim_signalfd", "cshim_signalfd_read", "cshim_sendfile",
        "cshim_fork_exec_upgrade", "cshim_spawn_guarded", "cshim_set_pdeathsig", "cshim_set_child_subreaper",
        "cshim_prlimit_nofile", "cshim_pipe_cloexec", "cshim_mkostemp_cloexec", "cshim_pidfd_open",
        "cshim_pidfd_send_signal", "cshim_set_name",
        "ccurl_epoll_create", "ccurl_epoll_wait", "ccurl_epoll_watch",
    ]

    /// A raw call found: where, and which.
    struct Finding: CustomStringConvertible {
        /// Path below Sources/, e.g. "Chaos/LogPipes.swift".
        var file: String
        var line: Int
        var call: String
        var description: String { "\(file):\(line): \(call)" }
    }

    /// One row of the exceptions table: calls, files (nil = anywhere), reason.
    struct ExceptionRow {
        var calls: [String]
        var files: [String]?
        var reason: String

        func covers(_ f: Finding) -> Bool {
            calls.contains(f.call) && (files.map { $0.contains(f.file) } ?? true)
        }
    }

    /// The doors themselves: raw calls are their job.
    static func isDoor(_ file: String) -> Bool {
        let name = (file as NSString).lastPathComponent
        return (file.hasPrefix("Prefork/") && name.hasPrefix("Posix"))
            || (file.hasPrefix("Harness/") && name.hasPrefix("SystemCall"))
    }

    static func scan(sources: URL) throws -> [Finding] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: sources.path) else { return [] }
        let files = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted()
        guard files.count > 100 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: sources.path]) }
        var texts: [String: String] = [:]
        for file in files { texts[file] = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8) }
        var findings: [Finding] = []
        for file in files where !isDoor(file) {
            let declared = declaredFunctions(family: file, in: texts)
            var inMultiline = false
            for (index, line) in texts[file]!.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.components(separatedBy: "\"\"\"").count % 2 == 0 { inMultiline.toggle(); continue }
                if inMultiline { continue }
                for call in rawCalls(in: String(line), declared: declared) {
                    findings.append(Finding(file: file, line: index + 1, call: call))
                }
            }
        }
        return findings
    }

    /// Function names the file's type family declares (File.swift and
    /// File+*.swift in the same directory): an unqualified call of one of
    /// those is the type's own method (Worker's `close(connection)`).
    static func declaredFunctions(family file: String, in texts: [String: String]) -> Set<String> {
        let dir = (file as NSString).deletingLastPathComponent
        let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension.split(separator: "+").first.map(String.init) ?? ""
        var names: Set<String> = []
        for (other, text) in texts where (other as NSString).deletingLastPathComponent == dir {
            let otherBase = ((other as NSString).lastPathComponent as NSString).deletingPathExtension.split(separator: "+").first.map(String.init)
            guard otherBase == base else { continue }
            for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return names
    }

    static let declaration = try! NSRegularExpression(pattern: #"func\s+(\w+)\s*[<(]"#)
    static let stringLiteral = try! NSRegularExpression(pattern: #""(?:[^"\\]|\\.)*""#)
    static let call = try! NSRegularExpression(
        pattern: #"(?<![\w.])(?<!func )(?<!case )(Glibc\.)?(\#(names.joined(separator: "|")))\((?!\s*\w+\s*:)"#)

    /// The raw calls on one line of Swift, strings and comments left out.
    static func rawCalls(in line: String, declared: Set<String>) -> [String] {
        var code = stringLiteral.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: "\"\"")
        if let comment = code.range(of: "//") { code = String(code[..<comment.lowerBound]) }
        return call.matches(in: code, range: NSRange(code.startIndex..., in: code)).compactMap { m in
            let name = String(code[Range(m.range(at: 2), in: code)!])
            let qualified = m.range(at: 1).location != NSNotFound
            return qualified || !declared.contains(name) ? name : nil
        }
    }

    /// Rows of the table under "### Syscalls outside the two doors":
    /// | `call`, `call` | `Dir/File.swift`, ... or anywhere | reason |
    static func exceptionRows(_ doc: String) throws -> [ExceptionRow] {
        guard let start = doc.range(of: "### Syscalls outside the two doors") else { return [] }
        let section = doc[start.upperBound...]
        var rows: [ExceptionRow] = []
        var seenTable = false
        for line in section.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|") else { if seenTable { break } else { continue } }
            seenTable = true
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[0].hasPrefix("`") else { continue }
            let ticked = { (cell: String) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } }
            let files = cells[1] == "anywhere" ? nil : ticked(cells[1])
            rows.append(ExceptionRow(calls: ticked(cells[0]), files: files, reason: cells[2]))
        }
        return rows
    }
}

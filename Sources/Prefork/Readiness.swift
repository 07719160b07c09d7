@preconcurrency import Glibc
import CShims

/// How the master announces "all workers are up" or "could not start".
/// Foreground: the ready line on stdout (a contract). Daemon: a message on
/// the pipe the launcher waits on. Both: systemd's NOTIFY_SOCKET if set.
struct Readiness {
    enum Channel {
        case stdout
        case launcherPipe(Int32)
    }

    var channel: Channel
    var notifier = SystemdNotifier.fromEnvironment()

    /// The ready line. Contract (tests and runners parse it; keep it exact):
    /// `preforkd ready pid=<master pid> url=http://<host>:<port>/ workers=<n>`
    static func readyLine(pid: pid_t, url: String, workers: Int) -> String {
        "preforkd ready pid=\(pid) url=\(url) workers=\(workers)"
    }

    func ready(pid: pid_t, url: String, workers: Int) {
        switch channel {
        case .stdout:
            print(Self.readyLine(pid: pid, url: url, workers: workers))
            fflush(stdout)
        case .launcherPipe(let fd):
            send("ready pid=\(pid) url=\(url)\n", to: fd)
            Posix.close(fd)
        }
        notifier?.send("READY=1\nMAINPID=\(pid)")
    }

    func failed(_ error: StartupError) {
        switch channel {
        case .stdout:
            fputs("preforkd: \(error)\n", stderr)
        case .launcherPipe(let fd):
            send("error \(error)\n", to: fd)
            Posix.close(fd)
        }
    }

    private func send(_ text: String, to fd: Int32) {
        try? Posix.writeAll(fd, text)
    }
}

/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET.
struct SystemdNotifier {
    let path: String

    static func fromEnvironment() -> SystemdNotifier? {
        guard let value = getenv("NOTIFY_SOCKET"), value.pointee != 0 else { return nil }
        return SystemdNotifier(path: String(cString: value))
    }

    func send(_ message: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { Posix.close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        _ = Array(message.utf8).withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, cshim_msg_nosignal(), $0, length)
                }
            }
        }
    }
}

/// `--daemon`, the seed's mode done right: double fork, setsid, chdir /,
/// umask, stdio on /dev/null; the launching process waits on a pipe and
/// exits 0 only once the daemon is ready, or prints its startup error.
/// The daemon (the grandchild) calls setsid itself, so it leads its own
/// session and process group (sid == pgid == pid) and is init's child once
/// the intermediate process exits. It never opens a terminal, so it never
/// acquires a controlling one.
enum Daemonizer {
    /// Returns in the daemon with the pipe's write end. The launcher and the
    /// intermediate child never return.
    static func detach() throws(StartupError) -> Int32 {
        let pipe: (read: Int32, write: Int32)
        do { pipe = try Posix.pipe() } catch { throw StartupError(posix: error) }
        fflush(nil)
        let first: pid_t
        do { first = try Posix.fork() } catch { throw StartupError(posix: error) }
        if first > 0 {
            Posix.close(pipe.write)
            var status: Int32 = 0
            _ = waitpid(first, &status, 0)
            exit(launcherReport(pipe.read))
        }
        Posix.close(pipe.read)
        guard let second = try? Posix.fork() else { _exit(1) }
        if second > 0 { _exit(0) }
        setsid()
        chdir("/")
        umask(0o022)
        redirectStdioToDevNull()
        return pipe.write
    }

    /// The launcher's side: relays the daemon's one message (a line), then
    /// exits. It reads one line, not to EOF: workers inherit the write end.
    private static func launcherReport(_ fd: Int32) -> Int32 {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while !data.contains(UInt8(ascii: "\n")) {
            let n = chunk.withUnsafeMutableBytes { buffer in Glibc.read(fd, buffer.baseAddress, buffer.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += chunk.prefix(n)
        }
        let message = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        if message.hasPrefix("ready ") {
            print("Parent daemon running. \(message.dropFirst(6))")
            return 0
        }
        let reason = message.hasPrefix("error ") ? String(message.dropFirst(6)) : "daemon exited before it was ready"
        fputs("preforkd: \(reason)\n", stderr)
        return 1
    }

    private static func redirectStdioToDevNull() {
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { return }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { dup2(null, fd) }
        if null > STDERR_FILENO { Posix.close(null) }
    }
}

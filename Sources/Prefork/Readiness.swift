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

    /// Best effort, as sd_notify(3): a supervisor that is gone or not listening changes nothing here.
    func send(_ message: String) {
        guard let fd = try? Posix.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue)) else { return }
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
        let bytes = Array(message.utf8)
        withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try? Posix.sendDatagram(fd, bytes, to: $0, length) }
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
            _ = try? Posix.waitBlocking(first)  // the intermediate child exits at once; its status says nothing
            exit(launcherReport(pipe.read))
        }
        Posix.close(pipe.read)
        guard let second = try? Posix.fork() else { _exit(1) }  // the launcher reads EOF: "exited before it was ready"
        if second > 0 { _exit(0) }
        // Neither can fail here: a fresh child of a fresh child leads no group, and / exists.
        try? Posix.newSession()
        try? Posix.changeDirectory("/")
        Posix.setFileCreationMask(0o022)
        redirectStdioToDevNull()
        return pipe.write
    }

    /// The launcher's side: relays the daemon's one message (a line), then
    /// exits. It reads one line, not to EOF: workers inherit the write end.
    private static func launcherReport(_ fd: Int32) -> Int32 {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while !data.contains(UInt8(ascii: "\n")) {
            guard let n = try? chunk.withUnsafeMutableBytes({ buffer throws(PosixError) in try Posix.read(fd, buffer) }),
                  n > 0 else { break }  // EOF, or an error: no message
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
        // Without /dev/null (a broken chroot) stdio stays as inherited: the daemon logs to its file anyway.
        guard let null = try? Posix.open("/dev/null", O_RDWR) else { return }
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { try? Posix.duplicate(null, onto: fd) }
        if null > STDERR_FILENO { Posix.close(null) }
    }
}

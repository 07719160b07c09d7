import Foundation
import Glibc
import Harness

/// /proc facts the Harness does not expose: session, tty, fds, command line.
enum ProcExtra {
    /// (session id, tty_nr) from /proc/pid/stat (fields 6 and 7).
    static func sessionAndTTY(_ pid: Int32) -> (sid: Int32, tty: Int32)? {
        guard let stat = ProcFS.stat(pid), let sid: Int32 = stat.field(6), let tty: Int32 = stat.field(7) else { return nil }
        return (sid, tty)
    }

    /// Where descriptor `fd` of `pid` points.
    static func fdTarget(_ pid: Int32, _ fd: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
    }

    /// Live processes whose command line contains `needle` (e.g. a test's unique temp dir).
    static func processes(commandLineContaining needle: String) -> [ProcessEntry] {
        ProcFS.all().filter { e in
            guard !e.isZombie, let data = FileManager.default.contents(atPath: "/proc/\(e.pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(needle)
        }
    }

    /// SIGKILLs every live process whose command line names `needle`, and
    /// reaps any that were adopted by us (subreaper), by pid.
    static func killAll(commandLineContaining needle: String) {
        let targets = processes(commandLineContaining: needle)
        for t in targets { _ = SafeSignal.send(SIGKILL, to: t.pid, expectedStartTime: t.startTime) }
        let me = getpid()
        waitUntil(timeout: 2) {
            for t in targets where t.ppid == me || ProcFS.entry(t.pid)?.ppid == me {
                var status: Int32 = 0
                _ = waitpid(t.pid, &status, WNOHANG)
            }
            return processes(commandLineContaining: needle).isEmpty
        }
    }

    /// True once `pid` (with that start time) is gone or a zombie; reaps it by pid if it is ours.
    static func hasExited(_ e: ProcessEntry) -> Bool {
        guard let now = ProcFS.entry(e.pid), now.startTime == e.startTime else { return true }
        guard now.isZombie else { return false }
        if now.ppid == getpid() { var status: Int32 = 0; _ = waitpid(e.pid, &status, WNOHANG) }
        return true
    }
}

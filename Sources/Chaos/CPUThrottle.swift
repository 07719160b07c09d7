import Curl
import Foundation
import Glibc
import Harness

/// cpu-throttle: the daemon's whole process group moves into a cgroup v1
/// cpu group named after the run (`/sys/fs/cgroup/cpu/chaos-<runner
/// pid>-<ns>`) with a CFS quota of `quota` of one core; its new workers
/// inherit it. At the end every member moves back to the group it came from
/// and the cgroup is removed; groups of runners no longer alive are removed
/// at the next start.
struct CPUThrottle {
    static let root = "/sys/fs/cgroup/cpu"
    static let prefix = "chaos-"
    let path: String

    /// Makes the cgroup with its quota; nil plus the reason where cgroup v1 cpu is not writable.
    static func create(quota: Double) -> (CPUThrottle?, String) {
        removeStale()
        let path = root + "/" + prefix + "\(getpid())-\(monotonicNanos())"
        do { try Sys.makeDirectory(path, mode: 0o755) } catch {
            return (nil, "cgroup v1 cpu controller not writable (\(error))")
        }
        let period = 100_000
        do {
            try Sys.writeFile(path + "/cpu.cfs_period_us", "\(period)")
            try Sys.writeFile(path + "/cpu.cfs_quota_us", "\(Int(Double(period) * quota))")
        } catch {
            try? Sys.removeDirectory(path)   // empty and ours: nothing can hold it
            return (nil, "cannot set a CFS quota in \(path): \(error)")
        }
        return (CPUThrottle(path: path), "")
    }

    /// Moves each pid in; returns how many moved, each with the cgroup it left.
    func enter(_ pids: [Int32]) -> [(pid: Int32, from: String)] {
        pids.compactMap { pid in
            guard let from = Self.cpuGroup(of: pid), Self.move(pid, to: path) else { return nil }
            return (pid, from)
        }
    }

    /// Moves every member back (the first entered, the master, first, so
    /// what it forks meanwhile lands at home; new workers to its old group)
    /// and removes the cgroup, retrying while forks race the move.
    func leave(_ moved: [(pid: Int32, from: String)]) {
        let home = moved.first?.from ?? "/"
        func back(_ pid: Int32) {
            let from = moved.first { $0.pid == pid }?.from ?? home
            _ = Self.move(pid, to: Self.root + (from == "/" ? "" : from))
        }
        if let master = moved.first { back(master.pid) }
        for _ in 0..<50 {
            let left = Self.members(path)
            // EBUSY while a fork raced the move: move the newcomer, try again.
            if left.isEmpty && (try? Sys.removeDirectory(path)) != nil { return }
            left.forEach(back)
            Sys.sleep(0.01)
        }
    }

    /// The cpu controller's group of `pid` from /proc/PID/cgroup ("N:cpu:/path").
    static func cpuGroup(of pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, parts[1].split(separator: ",").contains("cpu") { return String(parts[2]) }
        }
        return nil
    }

    static func members(_ path: String) -> [Int32] {
        ((try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { Int32($0) }
    }

    /// Moves `pid` into the cgroup at `group`; false when it is gone (ESRCH) or refused.
    static func move(_ pid: Int32, to group: String) -> Bool {
        (try? Sys.writeFile(group + "/cgroup.procs", "\(pid)")) != nil
    }

    /// Groups of runners that no longer run: members back to the root, then removed.
    static func removeStale() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid > 0, pid != getpid(), !Sys.processExists(pid) else { continue }
            for member in members(root + "/" + name) { _ = move(member, to: root) }
            try? Sys.removeDirectory(root + "/" + name)   // still busy: the next start tries again
        }
    }
}

extension FaultInjector {
    /// Share of one core the throttled daemon gets.
    static let throttleQuota = 0.3

    /// Throttles the daemon's process group for `length`, then lets it go.
    func cpuThrottle(_ length: Double, _ e: inout FaultEvent) {
        let (group, reason) = CPUThrottle.create(quota: Self.throttleQuota)
        guard let group else { e.applied = false; e.detail = "skipped: \(reason)"; return }
        let members = ProcFS.groupMembers(master).filter { !$0.isZombie }.map(\.pid)
        let moved = group.enter(members)
        guard !moved.isEmpty else {
            group.leave(moved)
            e.applied = false
            e.detail = "skipped: no process of the daemon could join \(group.path)"
            return
        }
        e.victimPid = master
        e.time = monotonicNow()
        sleep(until: e.time + ns(length))
        group.leave(moved)
        e.endedAt = monotonicNow()
        e.detail = "\(moved.count) process(es) in \(group.path) with a CFS quota of "
            + "\(Int(Self.throttleQuota * 100))% of a core for \(fmt(length, 1)) s"
    }
}

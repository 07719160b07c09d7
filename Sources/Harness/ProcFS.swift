import Glibc

/// Process facts read straight from /proc, never from the daemon's own reports.
public enum ProcFS {
    /// The process `pid`, or nil if it does not exist (or vanished while reading).
    public static func entry(_ pid: Int32) -> ProcessEntry? {
        guard let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return ProcessEntry.parse(statLine: text)
    }

    /// Every process currently listed in /proc.
    public static func all() -> [ProcessEntry] {
        numericEntries("/proc").compactMap { entry(Int32($0)) }
    }

    /// Direct children of `parent`, found by scanning every process's ppid.
    public static func children(of parent: Int32) -> [ProcessEntry] {
        all().filter { $0.ppid == parent }
    }

    /// All descendants of `root` (children, grandchildren, ...) from one /proc scan.
    public static func descendants(of root: Int32) -> [ProcessEntry] {
        let everything = all()
        var byParent: [Int32: [ProcessEntry]] = [:]
        for e in everything { byParent[e.ppid, default: []].append(e) }
        var result: [ProcessEntry] = []
        var frontier = [root]
        var seen: Set<Int32> = [root]
        while let next = frontier.popLast() {
            for child in byParent[next] ?? [] where seen.insert(child.pid).inserted {
                result.append(child)
                frontier.append(child.pid)
            }
        }
        return result
    }

    /// Processes whose process group is `pgid` (the leader included if alive).
    public static func groupMembers(_ pgid: Int32) -> [ProcessEntry] {
        all().filter { $0.pgrp == pgid }
    }

    /// Number of open descriptors of `pid` (entries of /proc/pid/fd); nil if unreadable.
    public static func fdCount(_ pid: Int32) -> Int? {
        Sys.directoryEntries("/proc/\(pid)/fd")?.count
    }

    /// Resident set size of `pid` in KiB (from /proc/pid/statm); nil if gone.
    public static func rssKB(_ pid: Int32) -> Int? {
        guard let text = readSmallFile("/proc/\(pid)/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    /// CPU time (user + system) of `pid` in seconds, from /proc/pid/stat
    /// fields 14 and 15; nil if gone.
    public static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = stat(pid), let user: Int = stat.field(14), let system: Int = stat.field(15) else { return nil }
        return Double(user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// /proc/pid/stat, split (see ProcStat); nil if gone.
    public static func stat(_ pid: Int32) -> ProcStat? {
        readSmallFile("/proc/\(pid)/stat").flatMap { ProcStat.parse(Array($0.utf8)) }
    }

    /// True if /proc lists `pid` (zombies included).
    public static func exists(_ pid: Int32) -> Bool {
        Sys.accessible("/proc/\(pid)")
    }

    /// Reads a small /proc file in one go (they are generated atomically per read).
    static func readSmallFile(_ path: String) -> String? {
        guard let bytes = Sys.readSmallFile(path), !bytes.isEmpty else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Numeric names in a directory (pids in /proc).
    static func numericEntries(_ path: String) -> [Int] {
        (Sys.directoryEntries(path) ?? []).compactMap { Int($0) }
    }
}

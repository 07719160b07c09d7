/// One process as /proc/<pid>/stat describes it.
public struct ProcessEntry: Sendable, Codable, Equatable {
    /// Process id.
    public var pid: Int32
    /// Parent process id.
    public var ppid: Int32
    /// Process group id (field 5); lets teardown find a group's members.
    public var pgrp: Int32
    /// State letter: R S D Z T t X I ...
    public var state: Character
    /// Start time in clock ticks since boot (field 22): with pid, a process identity.
    public var startTime: UInt64
    /// Command name (up to 15 bytes; may contain spaces and parentheses).
    public var comm: String

    public init(pid: Int32, ppid: Int32, pgrp: Int32 = 0, state: Character, startTime: UInt64, comm: String) {
        self.pid = pid
        self.ppid = ppid
        self.pgrp = pgrp
        self.state = state
        self.startTime = startTime
        self.comm = comm
    }

    private enum CodingKeys: String, CodingKey { case pid, ppid, pgrp, state, startTime, comm }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pid = try c.decode(Int32.self, forKey: .pid)
        ppid = try c.decode(Int32.self, forKey: .ppid)
        pgrp = try c.decodeIfPresent(Int32.self, forKey: .pgrp) ?? 0
        let letter = try c.decode(String.self, forKey: .state)
        state = letter.first ?? "?"
        startTime = try c.decode(UInt64.self, forKey: .startTime)
        comm = try c.decode(String.self, forKey: .comm)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(ppid, forKey: .ppid)
        try c.encode(pgrp, forKey: .pgrp)
        try c.encode(String(state), forKey: .state)
        try c.encode(startTime, forKey: .startTime)
        try c.encode(comm, forKey: .comm)
    }

    /// True for a zombie (exited, not yet reaped).
    public var isZombie: Bool { state == "Z" }

    /// Parses one /proc/<pid>/stat line (ProcStat splits it).
    public static func parse(statLine line: String) -> ProcessEntry? {
        guard let stat = ProcStat.parse(Array(line.utf8)), let state = stat.state,
              let ppid: Int32 = stat.field(4), let pgrp: Int32 = stat.field(5), let start: UInt64 = stat.field(22)
        else { return nil }
        return ProcessEntry(pid: stat.pid, ppid: ppid, pgrp: pgrp, state: state, startTime: start, comm: stat.comm)
    }
}

extension FixedWidthInteger {
    /// Parses ASCII decimal digits (optional leading "-"); nil on anything else.
    init?(ascii bytes: ArraySlice<UInt8>) {
        var value: Self = 0
        var negative = false
        var index = bytes.startIndex
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        guard index < bytes.endIndex else { return nil }
        while index < bytes.endIndex {
            let d = bytes[index]
            guard d >= 48, d <= 57 else {
                if d == 10, index == bytes.endIndex - 1 { break }   // trailing newline
                return nil
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Self(d - 48))
            guard !o1, !o2 else { return nil }
            value = a
            index += 1
        }
        if negative {
            guard Self.isSigned else { return nil }
            value = 0 - value
        }
        self = value
    }
}

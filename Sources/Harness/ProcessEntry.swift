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

    /// Parses one /proc/<pid>/stat line. The comm field is delimited by the
    /// first "(" and the LAST ")" because comm itself may contain ") (".
    public static func parse(statLine line: String) -> ProcessEntry? {
        let bytes = Array(line.utf8)
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open,
              let pid = Int32(String(decoding: bytes[..<open], as: UTF8.self).trimmingSpaces())
        else { return nil }
        let comm = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        // Fields after ")" start at field 3 (state).
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard rest.count >= 20, rest[0].count == 1 else { return nil }
        let state = Character(Unicode.Scalar(rest[0][rest[0].startIndex]))
        guard let ppid = Int32(ascii: rest[1]), let pgrp = Int32(ascii: rest[2]),
              let start = UInt64(ascii: rest[19]) else { return nil }
        return ProcessEntry(pid: pid, ppid: ppid, pgrp: pgrp, state: state, startTime: start, comm: comm)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " || s.last == "\n" { s.removeLast() }
        return String(s)
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

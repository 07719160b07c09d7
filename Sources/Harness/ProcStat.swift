/// One /proc/<pid>/stat line, split once: the suite's only parser of it
/// (ProcessEntry, CPU times, session and tty all read their fields here).
/// The comm field is delimited by the first "(" and the LAST ")", because
/// comm itself may contain ") (".
public struct ProcStat: Sendable {
    public let pid: Int32
    public let comm: String
    /// Fields 3... (state onwards), as ASCII bytes.
    private let rest: [ArraySlice<UInt8>]

    public static func parse(_ bytes: [UInt8]) -> ProcStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open,
              let pid = Int32(ascii: bytes[..<open].trimmingASCIISpaces())
        else { return nil }
        let comm = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard rest.count >= 20 else { return nil }
        return ProcStat(pid: pid, comm: comm, rest: rest)
    }

    /// Field `number` as proc(5) numbers them (3 = state, 4 = ppid, 14 = utime...).
    public func field<T: FixedWidthInteger>(_ number: Int, as type: T.Type = T.self) -> T? {
        let index = number - 3
        guard index >= 0, index < rest.count else { return nil }
        return T(ascii: rest[index].trimmingASCIISpaces())
    }

    /// Field 3, the one-letter state (R, S, D, Z, T...).
    public var state: Character? {
        guard let bytes = rest.first, bytes.count == 1 else { return nil }
        return Character(Unicode.Scalar(bytes[bytes.startIndex]))
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func trimmingASCIISpaces() -> ArraySlice<UInt8> {
        var s = self
        while let first = s.first, first == UInt8(ascii: " ") { s.removeFirst() }
        while let last = s.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\n") { s.removeLast() }
        return s
    }
}

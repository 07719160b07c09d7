@preconcurrency import Glibc
import Testing
@testable import Prefork

/// Logging under back-pressure: AppendFile never blocks, writes whole lines,
/// bounds what it keeps, counts what it drops, and reports once it recovers.
@Suite struct AppendFileTests {
    static func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    static func drain(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return bytes }
            bytes += chunk[..<n]
        }
    }

    static func line(_ i: Int) -> [UInt8] {
        Array("ts=\(i) event=test pad=\(String(repeating: "x", count: 180))\n".utf8)
    }

    @Test func stalledPipeNeitherBlocksNorTearsLines() throws {
        let (r, w) = try Self.pipePair()
        defer { close(r); close(w) }
        let file = try AppendFile(path: nil, inherited: w)
        #expect(file.adoptedMode == .nonBlocking, "a pipe is reopened as our own non-blocking description")
        #expect(fcntl(w, F_GETFL) & O_NONBLOCK == 0, "the inherited description keeps its flags")
        // 2000 lines of ~210 bytes: 420 KB into a 64 KiB pipe nobody reads.
        for i in 0..<2000 { Self.line(i).withUnsafeBytes { file.write($0) } }
        #expect(file.droppedTotal > 0, "lines beyond the pipe and the 64 KiB queue are dropped")
        #expect(file.takeRecoveredDrops() == nil, "not reported while lines still wait")

        // The reader comes back: the queue drains on the next turns, then one report.
        var received = Self.drain(r)
        file.flushPending()
        received += Self.drain(r)
        file.flushPending()
        received += Self.drain(r)
        #expect(file.takeRecoveredDrops() == file.droppedTotal, "one report with the count once the queue is empty")
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("ts=") && $0.hasSuffix(String(repeating: "x", count: 180)) }, "whole lines only")
        let numbers = lines.compactMap { Int($0.dropFirst(3).prefix { $0 != " " }) }
        #expect(numbers == numbers.sorted(), "in order")
        #expect(numbers.count + file.droppedTotal == 2000, "every line written or counted as dropped")
    }

    @Test func recoveryIsReportedOnceWithTheCount() throws {
        let (r, w) = try Self.pipePair()
        defer { close(r); close(w) }
        let file = try AppendFile(path: nil, inherited: w)
        for i in 0..<1000 { Self.line(i).withUnsafeBytes { file.write($0) } }
        let dropped = file.droppedTotal
        try #require(dropped > 0)
        _ = Self.drain(r)
        file.flushPending()
        _ = Self.drain(r)
        file.flushPending()
        #expect(file.takeRecoveredDrops() == dropped)
        #expect(file.takeRecoveredDrops() == nil, "reported once")
    }

    @Test func deadReaderIsDroppedNotFatal() throws {
        let (r, w) = try Self.pipePair()
        let file = try AppendFile(path: nil, inherited: w)
        close(r)  // EPIPE from now on (SIGPIPE is ignored by the daemon; here too)
        let old = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, old); close(w) }
        for i in 0..<10 { Self.line(i).withUnsafeBytes { file.write($0) } }
        #expect(file.droppedTotal == 10)
        #expect(file.takeRecoveredDrops() == 10)
    }

    @Test func inheritedSocketUsesDontWaitAndKeepsItsFlags() throws {
        var fds: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let file = try AppendFile(path: nil, inherited: fds[1])
        #expect(file.adoptedMode == .socket)
        for i in 0..<5000 { Self.line(i).withUnsafeBytes { file.write($0) } }
        #expect(file.droppedTotal > 0, "a full socket buffer drops instead of blocking")
        #expect(fcntl(fds[1], F_GETFL) & O_NONBLOCK == 0)
    }

    @Test func blockingModeIsThePlantedDefect() throws {
        let (r, w) = try Self.pipePair()
        defer { close(r); close(w) }
        let file = try AppendFile(path: nil, inherited: w, blocking: true)
        #expect(file.adoptedMode == .asInherited)
        Self.line(1).withUnsafeBytes { file.write($0) }
        #expect(Self.drain(r) == Self.line(1))
    }
}

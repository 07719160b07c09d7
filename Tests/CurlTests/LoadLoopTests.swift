import Glibc
import Foundation
import Harness
import Testing
@testable import Curl

@Suite struct LoadLoopTests {
    @Test func countRunFillsEveryRecord() throws {
        let counter = Counter()
        let server = try TestServer { _, _ in .reply(workerResponse(served: counter.next()), close: false) }
        defer { server.stop() }
        let options = LoadOptions(url: server.url, concurrency: 4, count: 200, paths: ["/a", "b?x=1"])
        var seen = 0
        let records = LoadLoop(options).run(stop: StopFlag()) { _ in seen += 1 }
        #expect(records.count == 200)
        #expect(seen == 200)
        #expect(records.allSatisfy { $0.status == 200 && $0.curlCode == 0 && $0.workerPid == 4242 && $0.served != nil })
        #expect(records.allSatisfy { $0.intendedStart <= $0.start && $0.start <= $0.end && $0.end > 0 })
        #expect(records.allSatisfy { !$0.silentResend })
        #expect(records.map(\.newConnections).reduce(0, +) == 4)   // keep-alive: one connect per slot
        #expect(server.stats.connections == 4)
        #expect(Set(records.compactMap(\.served)).count == 200)     // every response distinct
        #expect(records.filter { $0.path == "/a" }.count == 100)
        let paths = Set(server.stats.rawRequests.map { String(decoding: $0.prefix(16), as: UTF8.self) })
        #expect(paths == ["GET /a HTTP/1.1\r", "GET /b?x=1 HTTP/"])
    }

    @Test func noKeepAliveOpensAConnectionPerRequest() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 2, count: 20, keepAlive: false)).run(stop: StopFlag())
        #expect(records.count == 20)
        #expect(records.allSatisfy { $0.newConnections == 1 && $0.status == 200 })
        #expect(server.stats.connections == 20)
    }

    @Test func fixedRateSchedule() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 4, count: 30, rate: 300)).run(stop: StopFlag())
        #expect(records.count == 30)
        let intended = records.map(\.intendedStart).sorted()
        let gaps = zip(intended.dropFirst(), intended).map { Double($0 - $1) / 1e6 }
        #expect(gaps.allSatisfy { abs($0 - 3.333) < 0.01 })   // exact 1/rate schedule in ms
        let span = Double(records.map(\.start).max()! - records.map(\.start).min()!) / 1e9
        #expect(span > 0.09 && span < 1.0)                     // 29 gaps of 3.3 ms, not all at once
        #expect(records.allSatisfy { $0.start >= $0.intendedStart })
    }

    @Test func silentResendIsRecorded() throws {
        let server = try TestServer { c, i in c == 0 && i == 1 ? .closeSilently : .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 1, count: 3)).run(stop: StopFlag())
        #expect(records.map(\.silentResend) == [false, true, false])
        #expect(records.map(\.status) == [200, 200, 200])
        #expect(records.map(\.newConnections) == [1, 1, 0])
    }

    @Test func failuresAreRecordedWithCurlCodes() throws {
        let server = try TestServer { _, _ in .closeSilently }
        defer { server.stop() }
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 2, count: 6)).run(stop: StopFlag())
        #expect(records.count == 6)
        #expect(records.allSatisfy { $0.status == 0 && $0.curlCode == 52 && $0.errorKind == .gotNothing })
    }

    @Test func stopFlagEndsAnOpenEndedRun() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let stop = StopFlag()
        let t0 = monotonicNow()
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 2)).run(stop: stop) { r in
            if r.end - t0 > 200_000_000 { stop.stop() }
        }
        #expect(stop.isStopped)
        #expect(records.count > 10)
        #expect(Double(monotonicNow() - t0) / 1e9 < 3)
    }

    @Test func durationEndsTheRun() throws {
        let server = try TestServer { _, _ in .reply(workerResponse(), close: false) }
        defer { server.stop() }
        let t0 = monotonicNow()
        let records = LoadLoop(LoadOptions(url: server.url, concurrency: 2, duration: 0.2)).run(stop: StopFlag())
        let elapsed = Double(monotonicNow() - t0) / 1e9
        #expect(elapsed >= 0.2 && elapsed < 2)
        #expect(records.allSatisfy { $0.start - t0 < 200_000_000 + 5_000_000 })
        #expect(!records.isEmpty)
    }
}

/// A thread-safe counter for server scripts.
final class Counter: Sendable {
    private let value = Locked(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

@Suite struct LoadLoopThreadsTests {
    @Test func twoThreadsShareCountPathsAndSchedule() throws {
        let counter = Counter()
        let server = try TestServer { _, _ in .reply(workerResponse(served: counter.next()), close: false) }
        defer { server.stop() }
        let options = LoadOptions(url: server.url, concurrency: 5, count: 101, rate: 2000, paths: ["/a", "/b", "/c"], threads: 2)
        var callbackThreads = Set<String>()
        var seen = 0
        let caller = "\(pthread_self())"
        let records = LoadLoop(options).run(stop: StopFlag()) { _ in seen += 1; callbackThreads.insert("\(pthread_self())") }
        #expect(records.count == 101)
        #expect(seen == 101)
        #expect(callbackThreads == [caller])                     // onRecord only on the calling thread
        #expect(records.allSatisfy { $0.status == 200 && $0.curlCode == 0 })
        #expect(server.stats.connections <= 5)                   // at most 3 + 2 slots, keep-alive
        #expect(records.map(\.newConnections).reduce(0, +) == server.stats.connections)
        #expect(zip(records.dropFirst(), records).allSatisfy { $0.end >= $1.end })   // completion order
        // One global fixed-rate schedule: 101 distinct slots 0.5 ms apart.
        let intended = records.map(\.intendedStart).sorted()
        let gaps = zip(intended.dropFirst(), intended).map { Double($0 - $1) / 1e6 }
        #expect(gaps.allSatisfy { abs($0 - 0.5) < 0.01 })
        #expect(records.filter { $0.path == "/a" }.count == 34)  // global cycling: 34, 34, 33
        #expect(records.filter { $0.path == "/c" }.count == 33)
    }
}

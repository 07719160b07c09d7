import Foundation
import Testing
@testable import Curl

/// Throughput check against a real server, off by default:
/// `LOADLOOP_BENCH_URL=http://127.0.0.1:PORT/ swift test --filter LoadLoopBenchmark`
/// (compare with `wrk -t1 -c32 -d5s URL`). Prints req/s; asserts that requests
/// completed and all got 200 (a throughput bound belongs in bench/, not here).
/// Optional: LOADLOOP_BENCH_SECONDS, LOADLOOP_BENCH_THREADS, LOADLOOP_BENCH_NO_RESEND_DETECTION=1.
@Suite struct LoadLoopBenchmark {
    static let url = ProcessInfo.processInfo.environment["LOADLOOP_BENCH_URL"]

    @Test(.enabled(if: url != nil)) func keepAliveThroughput() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["LOADLOOP_BENCH_SECONDS"] ?? "5") ?? 5
        let detect = ProcessInfo.processInfo.environment["LOADLOOP_BENCH_NO_RESEND_DETECTION"] != "1"
        let threads = Int(ProcessInfo.processInfo.environment["LOADLOOP_BENCH_THREADS"] ?? "1") ?? 1
        let options = LoadOptions(url: Self.url!, concurrency: 32, duration: seconds, detectResends: detect, threads: threads)
        let t0 = monotonicNow()
        let records = LoadLoop(options).run(stop: StopFlag())
        let elapsed = Double(monotonicNow() - t0) / 1e9
        let ok = records.filter { $0.status == 200 }.count
        print("LoadLoop: \(records.count) requests (\(ok) 200) in \(elapsed) s = \(Int(Double(records.count) / elapsed)) req/s, detectResends=\(detect) threads=\(threads)")
        #expect(!records.isEmpty, "no request completed against \(Self.url!)")
        #expect(ok == records.count, "\(records.count - ok) requests did not get a 200")
    }
}

import Curl
import Foundation
import Harness

/// The client: GETs (a keep-alive loop and a fresh-connection loop, Curl's
/// libcurl load loop) and POSTs to /__fault/echo carrying a unique request
/// id, every thread moved into the client namespace first (setns affects
/// only the calling thread).
final class FleetLoad: @unchecked Sendable {
    let url: String
    let namespacePath: String
    let seed: UInt64
    let getRate: Double
    let postRate: Double
    /// Wall-clock seconds minus monotonic seconds, fixed at the start.
    let wallOffset: Double
    private let stopFlag = StopFlag()
    private let records = Locked<[FleetRequest]>([])
    private let running = Locked(0)
    private let failures = Locked<[String]>([])
    /// Requests finished so far and how many of them failed (the live line).
    let counts = Locked<(done: Int, failed: Int)>((0, 0))

    init(url: String, namespace: String, seed: UInt64, getRate: Double = 120, postRate: Double = 20) {
        self.url = url
        namespacePath = "/var/run/netns/\(namespace)"
        self.seed = seed
        self.getRate = getRate
        self.postRate = postRate
        wallOffset = Date().timeIntervalSince1970 - monotonicSeconds()
    }

    func start() {
        for keepAlive in [true, false] {
            let o = LoadOptions(url: url, concurrency: 4, keepAlive: keepAlive, rate: getRate / 2, timeout: 10,
                                seed: seed)
            spawn { [self] in
                let recs = LoadLoop(o).run(stop: stopFlag) { r in self.tally(r.curlCode == 0 && r.status == 200) }
                let mine = recs.map { r in
                    FleetRequest(method: .get, start: wall(r.start), end: wall(r.end), status: r.status,
                                 curlCode: r.curlCode, keepAlive: keepAlive)
                }
                records.withLock { $0 += mine }
            }
        }
        spawn { [self] in postLoop() }
    }

    /// Runs `body` on a new thread inside the client namespace.
    private func spawn(_ body: @escaping @Sendable () -> Void) {
        running.withLock { $0 += 1 }
        Thread.detachNewThread { [self] in
            defer { running.withLock { $0 -= 1 } }
            do { try Sys.enterNetworkNamespace(namespacePath) } catch {
                failures.withLock { $0.append("\(error)") }
                return
            }
            body()
        }
    }

    private func postLoop() {
        let client = CurlClient()
        var n = 0
        let t0 = monotonicSeconds()
        while !stopFlag.isStopped {
            let due = t0 + Double(n) / postRate
            let wait = due - monotonicSeconds()
            if wait > 0 { Sys.sleep(wait) }
            let rid = "\(seed)-\(n)"
            let fresh = n % 2 == 1
            let start = monotonicSeconds()
            let r = client.perform(CurlRequest(method: "POST", url: "\(url)/__fault/echo?rid=\(rid)",
                                               headers: ["X-Request-Id: \(rid)", "Expect:"], body: Array(rid.utf8),
                                               timeout: 5, connectTimeout: 2, freshConnection: fresh, forbidReuse: fresh))
            let end = monotonicSeconds()
            let (status, code): (Int, Int32) = switch r {
            case .success(let h): (h.status, 0)
            case .failure(let e): (0, e.code)
            }
            tally(code == 0 && status == 200)
            records.withLock {
                $0.append(FleetRequest(method: .post, start: start + wallOffset, end: end + wallOffset, status: status,
                                       curlCode: code, requestID: rid, keepAlive: !fresh))
            }
            n += 1
        }
    }

    private func tally(_ ok: Bool) {
        counts.withLock { $0.done += 1; if !ok { $0.failed += 1 } }
    }

    private func wall(_ ns: UInt64) -> Double { Double(ns) / 1e9 + wallOffset }

    /// Stops starting requests and waits for the threads (bounded).
    func stop() {
        stopFlag.stop()
        _ = waitUntil(timeout: 15, interval: 0.02) { running.value == 0 }
    }

    var requests: [FleetRequest] { records.value.sorted { $0.start < $1.start } }
    /// setns failures (the client namespace could not be entered).
    var errors: [String] { failures.value }
}

import Curl
import Foundation
import Glibc
import Harness

/// toxic-clients: for the fault's length, 8 client threads send
/// `Connection: close` GETs through a fault proxy whose every connection
/// carries a toxic drawn from the seed (latency, bandwidth, slicer, slow
/// close, timeout, reset, limit data): slow clients, fragmented requests,
/// clients that vanish mid-response, resets. The main load goes direct;
/// the target must keep serving it (liveness-under-fault, availability).
extension FaultInjector {
    func toxicClients(_ plan: PlannedFault, _ length: Double, _ e: inout FaultEvent) {
        let seed = UInt64(plan.param) << 32 | UInt64(plan.victimIndex)
        guard let proxy = try? FaultProxy(targetPort: port, seed: seed, destructive: true, recordAnswers: true) else {
            e.applied = false
            e.detail = "the fault proxy could not listen"
            return
        }
        proxy.start()
        e.time = monotonicNow()
        let end = e.time + ns(length)
        let tally = Locked((complete: 0, broken: 0))
        let finished = Locked(0)
        let clients = 8
        for _ in 0..<clients {
            Thread.detachNewThread {
                while monotonicNow() < end {
                    let whole = Self.oneRequest(port: proxy.port)
                    tally.withLock { whole ? ($0.complete += 1) : ($0.broken += 1) }
                }
                finished.withLock { $0 += 1 }
            }
        }
        _ = waitUntil(timeout: length + 5) { finished.value == clients }
        proxy.stop()
        for a in proxy.answers.value { _ = record(a) }
        e.endedAt = monotonicNow()
        let t = tally.value
        e.detail = "\(clients) clients through the fault proxy for \(fmt(length, 1)) s: \(proxy.connections) connections ("
            + proxy.toxicCounts.value.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + "); \(t.complete) complete responses, \(t.broken) broken; the server answered \(proxy.answers.value.count)"
    }

    /// One GET through the proxy, read to EOF; true if a whole head arrived.
    private static func oneRequest(port: Int) -> Bool {
        guard let c = try? RawConnection(port: port, timeout: 2) else { return false }
        defer { c.close() }
        guard (try? c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) != nil else { return false }
        return RawResponseHead(c.readHead()) != nil
    }
}

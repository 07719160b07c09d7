import Curl
import Glibc
import Harness

/// The faults sent on raw sockets: slowloris trickles and malformed requests.
extension FaultInjector {
    /// The malformed requests, each answered 4xx/5xx by a strict server.
    static let malformedRequests: [String] = [
        "GET / HTTP/1.1\nHost: x\n\n",                                  // bare LF
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n",      // obs-fold
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",                           // space before colon
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", // CL conflict
        "get / HTTP/1.1\r\nHost: x\r\n\r\n",                            // lowercase method
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",                            // unsupported version
    ]

    func malformed(_ plan: PlannedFault, _ e: inout FaultEvent) {
        let i = Int(plan.param % UInt32(Self.malformedRequests.count))
        defer { e.endedAt = monotonicNow() }
        do {
            // As long as a hang may take: a paused master (group-freeze,
            // master-stop) can leave no worker to answer for seconds, and a
            // reply read too late would be a served count the history misses.
            let c = try RawConnection(port: port, timeout: max(2, hangTimeout))
            let start = monotonicNow()
            try c.send(Self.malformedRequests[i])
            let head = c.readHead()
            let end = monotonicNow()
            c.close()
            if let h = RawResponseHead(head) {
                e.status = h.status
                e.victimPid = h.workerPid
                e.detail = "variant \(i): \(h.status)"
                if h.served != nil {
                    // The worker counted it: keep it so lifetime sees the count.
                    requests.withLock {
                        $0.append(RequestEvent(start: start, end: end, outcome: .ok, status: h.status,
                                               workerPid: h.workerPid, served: h.served, path: "(malformed \(i))",
                                               source: .fault))
                    }
                }
            } else {
                e.detail = "variant \(i): closed without a response (\(head.count) bytes)"
            }
        } catch {
            e.applied = false
            e.detail = "variant \(i): \(error)"
        }
    }

    /// 2-5 connections that send a partial head, one header line per 200 ms for 2 s.
    func slowloris(_ plan: PlannedFault, _ e: inout FaultEvent) {
        let n = 2 + Int(plan.param % 4)
        var conns: [RawConnection] = []
        for _ in 0..<n {
            if let c = try? RawConnection(port: port, timeout: 1) {
                try? c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                conns.append(c)
            }
        }
        var closedEarly = 0
        for round in 0..<10 {
            Sys.sleep(0.2)
            for c in conns where c.fd >= 0 {
                do { try c.send("X-Slow-\(round): 1\r\n") } catch { closedEarly += 1; c.close() }
            }
        }
        conns.forEach { $0.close() }
        e.applied = !conns.isEmpty
        e.endedAt = monotonicNow()
        e.detail = "\(conns.count) slow connections for 2 s, \(closedEarly) closed by the server"
    }

    /// slowloris-flood: 300-1000 connections at once, each a partial head
    /// with one more header line every 500 ms, closed after `length` (below
    /// the daemon's 10 s header timeout). Connecting takes at most half of it.
    func slowlorisFlood(_ plan: PlannedFault, _ length: Double, _ e: inout FaultEvent) {
        let n = 300 + Int(plan.param % 701)
        let start = monotonicNow()
        e.time = start
        var conns: [RawConnection] = []
        var refused = 0
        for _ in 0..<n {
            guard monotonicNow() < start + ns(length / 2) else { break }
            guard let c = try? RawConnection(port: port, timeout: 0.5) else { refused += 1; continue }
            try? c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            conns.append(c)
        }
        var round = 0, closedEarly = 0
        while monotonicNow() < start + ns(length) {
            Sys.sleep(0.5)
            for c in conns where c.fd >= 0 {
                do { try c.send("X-Slow-\(round): 1\r\n") } catch { closedEarly += 1; c.close() }
            }
            round += 1
        }
        let answered = conns.filter { recordEarlyAnswer($0) }.count
        conns.forEach { $0.close() }
        e.applied = !conns.isEmpty
        e.endedAt = monotonicNow()
        e.detail = "\(conns.count) of \(n) slow connections for \(fmt(length, 1)) s (\(refused) not connected), "
            + "\(closedEarly) closed and \(answered) answered by the server"
    }

    /// A response the server sent on a slow connection (say a 408), read
    /// without blocking: if it carries a served count, it is recorded so the
    /// lifetime contract sees every count.
    private func recordEarlyAnswer(_ c: RawConnection) -> Bool {
        guard c.fd >= 0 else { return false }
        guard case .bytes(let bytes) = c.receiveNow(), let h = RawResponseHead(bytes) else { return false }
        if h.served != nil {
            let now = monotonicNow()
            _ = record(RequestEvent(start: now, end: now, outcome: .ok, status: h.status, workerPid: h.workerPid,
                                    served: h.served, path: "(slowloris-flood)", source: .fault))
        }
        return true
    }
}

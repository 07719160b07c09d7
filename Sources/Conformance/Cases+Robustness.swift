import Harness
@preconcurrency import Glibc

/// RFC 9112 §9.5–9.6: timeouts, many idle connections, resets. Plus every
/// valid case again one byte per write (added by `CaseTable`).
enum RobustnessCases {
    static var all: [ConformanceCase] { [slowloris, idleConnections, resetMidRequest] }

    /// GET on a new connection; nil when 2xx, else the failure.
    static func served(_ c: CaseContext) -> String? {
        do {
            let o = try c.exchange.run(Array(Build.get(c).utf8), heads: [false], expected: 1)
            if case .fail(let why) = Judges.single(.success)(o) { return why }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A head that never ends, one byte every 200 ms: the server must close it.
    static var slowloris: ConformanceCase {
        Build.custom("9112-9.5-slowloris-head", .robustness, "RFC 9112 §9.5", .should,
                     sends: "a request head trickled one byte per 200 ms, never finished",
                     passes: "the server closes it within --slowloris-wait (408 allowed); others served meanwhile") { c in
            let sock = try RawSocket(host: c.host, port: c.port, timeout: c.options.caseTimeout)
            let start = Clock.now()
            sock.send(Array("GET \(c.path) HTTP/1.1\r\nHost: \(c.authority)\r\n".utf8))
            var checkedOthers = false
            var i = 0
            while Clock.now() - start < c.options.slowlorisWait {
                switch sock.read(until: Clock.now() + 0.2) {
                case .eof, .reset:
                    return checkedOthers ? .pass : .fail("closed, but no other client was checked meanwhile")
                case .bytes(let b):
                    let text = String(decoding: b.prefix(12), as: UTF8.self)
                    if !text.hasPrefix("HTTP/1.1 408") && !text.hasPrefix("HTTP/1.0 408") {
                        return .fail("answered an unfinished head: \(Escape.bytes(Array(b.prefix(40))))")
                    }
                case .timeout:
                    break
                }
                if !checkedOthers, Clock.now() - start > 0.5 {
                    if let why = served(c) { return .fail("another client was not served meanwhile: \(why)") }
                    checkedOthers = true
                }
                if !sock.send(Array("X-\(i): \(i)\r\n".utf8.prefix(1))) { return .pass }
                i += 1
            }
            return .fail("still open after \(c.options.slowlorisWait) s of trickled head")
        }
    }

    /// Many idle connections must not starve a real client.
    static var idleConnections: ConformanceCase {
        Build.custom("9112-9.5-idle-connections", .robustness, "RFC 9112 §9.5", .should,
                     sends: "N idle connections (default 1000, --idle-connections), then a GET on a new one",
                     passes: "the GET gets 2xx within the case timeout") { c in
            RLimit.raiseNoFile(to: c.options.idleConnections + 256)
            var idle: [RawSocket] = []
            idle.reserveCapacity(c.options.idleConnections)
            for _ in 0..<c.options.idleConnections {
                // A connect that times out means the accept queue is full: stop there.
                guard let s = try? RawSocket(host: c.host, port: c.port, timeout: 1) else { break }
                idle.append(s)
            }
            if idle.count < c.options.idleConnections {
                return .fail("connect timed out after \(idle.count) idle connections (accept queue full)")
            }
            let why = served(c)
            withExtendedLifetime(idle) {}
            return why.map { .fail("with \(idle.count) idle connections: \($0)") } ?? .pass
        }
    }

    /// RST in the middle of a request body: only that connection dies.
    static var resetMidRequest: ConformanceCase {
        Build.custom("9112-9.6-reset-mid-request", .robustness, "RFC 9112 §9.6", .must,
                     sends: "keep-alive conn A served; conn B sends half a body then RST (SO_LINGER 0)",
                     passes: "A still served afterwards, and new connections are served") { c in
            let a = try RawSocket(host: c.host, port: c.port, timeout: c.options.caseTimeout)
            a.send(Array(Build.get(c).utf8))
            let firstA = c.exchange.collect(a, heads: [false], expected: 1, start: Clock.now())
            if case .fail(let why) = Judges.single(.success)(firstA) { return .fail("conn A before: \(why)") }
            for _ in 0..<3 {
                let b = try RawSocket(host: c.host, port: c.port, timeout: c.options.caseTimeout)
                b.send(Array(Build.post(c, headers: "Content-Length: 100\r\n", body: "partial").utf8))
                Sys.sleep(0.05)
                b.resetClose()
            }
            Sys.sleep(0.1)
            if firstA.end == .open {
                a.send(Array(Build.get(c).utf8))
                let again = c.exchange.collect(a, heads: [false], expected: 1, start: Clock.now())
                if case .fail(let why) = Judges.single(.success)(again) { return .fail("conn A after the resets: \(why)") }
            }
            return served(c).map { .fail("new connection after the resets: \($0)") } ?? .pass
        }
    }
}

/// RLIMIT_NOFILE adjustment for the idle-connections case.
enum RLimit {
    /// Raises the soft limit to `n` (bounded by the hard limit).
    static func raiseNoFile(to n: Int) {
        // Best effort: below the limit the case opens fewer connections and says so.
        try? Sys.raiseDescriptorLimit(to: rlim_t(n))
    }
}

import Curl
import Foundation
import Glibc
import Harness

/// A TCP proxy inside the suite, between clients and the target, since this
/// kernel has no netem: each accepted connection gets one `Toxic` drawn from
/// the proxy's seed and the connection's number (same seed, same toxics in
/// the same order), and two threads pump its bytes, one each way. With
/// `recordAnswers`, every response head the server sends is recorded (with
/// its X-Worker-Pid / X-Worker-Served) whether or not the toxic lets the
/// client see it: a client that vanished still cost the worker a lifetime unit.
final class FaultProxy: Sendable {
    let port: Int
    let targetPort: Int
    let destructive: Bool
    let recordAnswers: Bool
    private let listenFD: Int32
    private let seed: UInt64
    private let accepted = Locked<UInt64>(0)
    private let live = Locked(0)
    private let stopFlag = Locked(false)
    private let acceptorDone = Locked(false)
    /// Response heads the server sent through the proxy (with `recordAnswers`).
    let answers = Locked<[RequestEvent]>([])
    /// Connections per toxic kind.
    let toxicCounts = Locked<[String: Int]>([:])

    init(targetPort: Int, seed: UInt64, destructive: Bool, recordAnswers: Bool) throws {
        let (fd, port) = try Ports.listen(backlog: 1024)
        listenFD = fd
        self.port = port
        self.targetPort = targetPort
        self.seed = seed
        self.destructive = destructive
        self.recordAnswers = recordAnswers
    }

    /// Accepts on its own thread until `stop()`.
    func start() {
        Thread.detachNewThread { [self] in
            while !stopFlag.value {
                guard let ready = try? Sys.poll(listenFD, Int16(POLLIN), timeoutMs: 100), ready != 0 else { continue }
                // nil (EAGAIN/ECONNABORTED): the next poll tells. A failure such
                // as EMFILE is the proxy's own trouble: logged, and tried again.
                let client: Int32
                do {
                    guard let accepted = try Sys.accept(listenFD) else { continue }
                    client = accepted
                } catch {
                    FileHandle.standardError.write(Data("fault proxy: \(error)\n".utf8))
                    Sys.sleep(0.01)
                    continue
                }
                let index = accepted.withLock { n -> UInt64 in n += 1; return n }
                live.withLock { $0 += 1 }
                Thread.detachNewThread { [self] in
                    serve(client, index: index)
                    live.withLock { $0 -= 1 }
                }
            }
            acceptorDone.withLock { $0 = true }
        }
    }

    /// Stops accepting, waits (bounded) for the open connections to end, closes the listener.
    func stop(timeout: Double = 3) {
        stopFlag.withLock { $0 = true }
        _ = waitUntil(timeout: timeout) { acceptorDone.value && live.value == 0 }
        Sys.close(listenFD)
    }

    var connections: UInt64 { accepted.value }

    /// The toxic of connection number `index` (1-based).
    func toxic(forConnection index: UInt64) -> Toxic {
        Self.toxic(seed: seed, connection: index, destructive: destructive)
    }

    /// The toxic a proxy seeded `seed` gives its connection number `connection`.
    static func toxic(seed: UInt64, connection: UInt64, destructive: Bool) -> Toxic {
        var rng = SplitMix64(seed: seed ^ (connection &* 0xD1B5_4A32_D192_ED03))
        return Toxic.draw(&rng, destructive: destructive)
    }

    private func serve(_ client: Int32, index: UInt64) {
        let toxic = toxic(forConnection: index)
        toxicCounts.withLock { $0[toxic.kind, default: 0] += 1 }
        guard let server = try? RawConnection(port: targetPort, timeout: 600) else { Sys.close(client); return }
        if case .slicer = toxic {
            // Each slice its own segment: with Nagle the kernel joined the
            // slices sent while the first was unacknowledged.
            try? Sys.setOption(server.fd, Int32(IPPROTO_TCP), TCP_NODELAY, Int32(1), "TCP_NODELAY")
        }
        let pair = ProxiedPair(client: client, server: server)
        if case .timeout(let ms) = toxic {
            // Blackhole: the request goes nowhere, nothing comes back, then both close.
            Sys.sleep(Double(ms) / 1000)
            pair.release()
            pair.release()
            return
        }
        let opened = monotonicNow()
        Thread.detachNewThread { [self] in
            pump(pair, from: client, to: pair.server.fd, toxic: toxic, upstream: true, opened: opened)
            pair.release()
        }
        pump(pair, from: server.fd, to: client, toxic: toxic, upstream: false, opened: opened)
        pair.release()
    }

    /// Copies `from` to `to` until EOF or an error, applying `toxic`.
    /// A recorded answer's start is `opened`, the connection's accept: the
    /// request was sent no earlier, and a worker that answered and then
    /// exited must not look as if it answered after its death.
    private func pump(_ pair: ProxiedPair, from: Int32, to: Int32, toxic: Toxic, upstream: Bool, opened: UInt64) {
        var buf = [UInt8](repeating: 0, count: 16384)
        var heads = ResponseHeads()
        var forwarded = 0
        var jitter = SplitMix64(seed: UInt64(UInt32(bitPattern: from)) ^ seed)
        while true {
            // 0 at EOF; nil (SO_RCVTIMEO ran out) and a failure (a reset) end the pump too.
            let n = (try? buf.withUnsafeMutableBytes { raw throws(SystemCallError) in try Sys.recv(from, raw) }) ?? 0
            guard n > 0 else {
                if !upstream, case .slowClose(let ms) = toxic { Sys.sleep(Double(ms) / 1000) }
                Sys.shutdown(to, Int32(SHUT_WR))
                return
            }
            var chunk = buf[..<n]
            if !upstream && recordAnswers {
                for h in heads.feed(chunk) {
                    let now = monotonicNow()
                    answers.withLock {
                        $0.append(RequestEvent(start: opened, end: now, outcome: .ok, status: h.status, workerPid: h.workerPid,
                                               served: h.served, path: "(fault proxy: \(toxic))", source: .fault))
                    }
                }
            }
            switch toxic {
            case .latency(let ms, let j):
                let d = ms + (j > 0 ? Int(jitter.next() % UInt64(2 * j + 1)) - j : 0)
                Sys.sleep(Double(max(0, d)) / 1000)
            case .bandwidth(let bps) where !upstream:
                Sys.sleep(Double(min(5_000_000, n * 1_000_000 / max(1, bps))) / 1e6)
            case .resetPeer(let limit) where !upstream, .limitData(let limit) where !upstream:
                if forwarded + n >= limit {
                    chunk = chunk.prefix(max(0, limit - forwarded))
                    _ = sendAll(to, chunk)
                    if case .resetPeer = toxic { pair.resetBoth() } else { pair.shutdownBoth() }
                    return
                }
            default: break
            }
            let ok: Bool
            if upstream, case .slicer(let size, let delay) = toxic {
                ok = stride(from: 0, to: chunk.count, by: size).allSatisfy { off in
                    let piece = chunk.dropFirst(off).prefix(size)
                    defer { Sys.sleep(Double(delay) / 1e6) }
                    return sendAll(to, piece)
                }
            } else {
                ok = sendAll(to, chunk)
            }
            guard ok else { pair.shutdownBoth(); return }
            forwarded += n
        }
    }

    /// False once the peer is gone (EPIPE, ECONNRESET) or the send timed out.
    private func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        (try? Sys.sendAll(fd, bytes)) != nil
    }
}

/// The two sockets of one proxied connection. Either pump may end it
/// (shutdown wakes the other's recv); the descriptors are closed by the
/// last of the two releases, so neither thread reads a reused number.
/// Unchecked: `server` is touched by both pumps only through its fd, and
/// closed once, by the last release (decided under `refs`' lock).
final class ProxiedPair: @unchecked Sendable {
    let client: Int32
    let server: RawConnection
    private let refs = Locked(2)

    init(client: Int32, server: RawConnection) {
        self.client = client
        self.server = server
    }

    func shutdownBoth() {
        Sys.shutdown(client, Int32(SHUT_RDWR))
        Sys.shutdown(server.fd, Int32(SHUT_RDWR))
    }

    /// Both peers get a reset when the descriptors close (SO_LINGER 0);
    /// SHUT_RD wakes the other pump without sending a FIN first.
    func resetBoth() {
        for fd in [client, server.fd] {
            // Fails only for a socket already reset by its peer: it resets nothing then.
            try? Sys.setOption(fd, SOL_SOCKET, SO_LINGER, linger(l_onoff: 1, l_linger: 0), "SO_LINGER")
            Sys.shutdown(fd, Int32(SHUT_RD))
        }
    }

    func release() {
        guard refs.withLock({ n -> Bool in n -= 1; return n == 0 }) else { return }
        Sys.close(client)
        server.close()
    }
}

/// Finds response heads in a server's byte stream (keep-alive, Content-Length
/// bodies), so the proxy can record what the server answered.
struct ResponseHeads {
    private var buffer: [UInt8] = []
    private var bodyLeft = 0
    private var lost = false

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [RawResponseHead] {
        guard !lost else { return [] }
        var input = bytes
        var out: [RawResponseHead] = []
        while !input.isEmpty {
            if bodyLeft > 0 {
                let k = min(bodyLeft, input.count)
                bodyLeft -= k
                input = input.dropFirst(k)
                continue
            }
            buffer += input
            input = []
            guard let end = firstHeadEnd() else { break }
            let head = Array(buffer[..<end])
            input = buffer[end...]
            buffer = []
            guard let h = RawResponseHead(head) else { lost = true; return out }
            out.append(h)
            bodyLeft = Self.contentLength(head) ?? 0
        }
        return out
    }

    /// End (exclusive) of the first complete head in the buffer.
    private func firstHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    static func contentLength(_ head: [UInt8]) -> Int? {
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { return Int(lower.dropFirst(15).trimmingPrefix(" ")) }
        }
        return nil
    }
}

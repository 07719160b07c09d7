@preconcurrency import Glibc
import HTTP1

/// The request path inside a worker: read, parse, answer in order, write.
extension Worker {
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    func connectionEvent(_ connection: Connection, events: UInt32) {
        if connection.lingerUntil != nil {
            discardInput(connection)
            return
        }
        if events & Epoll.writable != 0 {
            flush(connection)
            guard connection === self.connection(for: connection.fd) else { return }
        }
        if events & (Epoll.readable | Epoll.peerClosed | Epoll.hangup) != 0 {
            readAndServe(connection)
        }
    }

    /// Reads what the socket has, feeds the parser, answers complete requests.
    func readAndServe(_ connection: Connection) {
        let fd = connection.fd
        var failed = false
        readBuffer.withUnsafeMutableBytes { buffer in
            while true {
                let count: Int?
                do { count = try Posix.read(fd, buffer) } catch { failed = true; return }
                guard let n = count else { return }  // drained (EAGAIN)
                if n == 0 { connection.inputClosed = true; return }
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                if n < buffer.count { return }  // short read: nothing more queued
            }
        }
        if failed { abort(connection); return }  // reset by peer
        if connection.inputClosed { updateInterest(connection) }  // EOF stays readable: stop polling it
        serve(connection)
    }

    /// Answers every complete request in the parser's buffer, in order, then
    /// writes. Stops at a delayed reply so later responses cannot overtake it.
    func serve(_ connection: Connection) {
        let now = Instant.now()
        while connection.delayed == nil && !connection.closeAfterWrite {
            do {
                let request = try connection.parser.next()
                if connection.parser.expectsContinue {
                    // A head with Expect: 100-continue whose body is not here:
                    // invite the body now, once.
                    connection.output += Self.continueResponse
                    connection.parser.acknowledgeContinue()
                }
                guard let request else { break }
                answer(request, on: connection, now: now)
            } catch {
                answer(error, on: connection)
            }
        }
        connection.trackPhase(now: now)
        // The last unit is taken: stop accepting now. This connection is not
        // idle (it owes a response), so the drain leaves it to finish.
        if budget.isSpent { beginDrain(reason: "lifetime") }
        if connection.inputClosed && connection.delayed == nil {
            // The peer is done sending: nothing more can complete.
            connection.closeAfterWrite = true
        }
        if draining && connection.isIdle { connection.closeAfterWrite = true }
        flush(connection)
    }

    /// One parsed request: take a unit of the lifetime budget, route it,
    /// answer now or at the reply's due time.
    private func answer(_ request: Request, on connection: Connection, now: Instant) {
        if request.method == "CONNECT" {
            // An origin server, not a proxy: no tunnels. The bytes after a
            // CONNECT head may be tunnel data, so the connection closes.
            answer(HTTPError.notImplemented("CONNECT"), on: connection)
            return
        }
        guard let served = reserveUnit(for: connection) else { return }
        let context = RequestContext(worker: setup.identity, served: served, budget: budget.limit, peer: connection.peer)
        let reply = builtins.route(request, context: context) ?? handler.handle(request, context: context)
        let started = connection.requestStart ?? now
        connection.requestStart = nil
        let facts = Connection.RequestFacts(version: request.version, keepAlive: request.keepAlive, headOnly: request.isHead,
                                            access: accessLog?.capture(request, started: started))
        if let delay = reply.delay {
            connection.delayed = .init(response: reply.response, request: facts, served: served, due: now + delay)
            return
        }
        write(reply.response, for: facts, served: served, on: connection)
    }

    /// A request the parser refused: answer its status and close.
    private func answer(_ error: HTTPError, on connection: Connection) {
        guard let served = reserveUnit(for: connection) else { return }
        let facts = Connection.RequestFacts(version: .http1_1, keepAlive: false, headOnly: false)
        write(Response.error(error), for: facts, served: served, on: connection)
    }

    /// The budget's next unit, or nil: then this request is never answered and
    /// its connection closes before any byte of a response to it.
    private func reserveUnit(for connection: Connection) -> Int? {
        guard let served = budget.reserve() else {
            connection.closeAfterWrite = true
            return nil
        }
        scoreboard.setServed(slot: slot, served)
        return served
    }

    func deliverDelayed(_ connection: Connection, now: Instant) {
        guard let delayed = connection.delayed else { return }
        connection.delayed = nil
        write(delayed.response, for: delayed.request, served: delayed.served, on: connection)
        serve(connection)  // requests pipelined behind it, and the write
    }

    /// Serializes a response into the connection's output, with the worker
    /// headers (a contract: X-Worker-Pid, X-Worker-Served, X-Worker-Slot).
    private func write(_ response: Response, for request: Connection.RequestFacts, served: Int, on connection: Connection) {
        var response = response
        response.headers.add("X-Worker-Pid", String(setup.identity.pid))
        response.headers.add("X-Worker-Served", String(served))
        response.headers.add("X-Worker-Slot", String(slot))
        let keepAlive = request.keepAlive && !draining && !budget.isEnding(connections: servingConnections) && !connection.inputClosed
        if !keepAlive { connection.closeAfterWrite = true }
        let queuedBefore = connection.output.count
        connection.output += ResponseSerializer.serialize(
            response, version: request.version, keepAlive: keepAlive, headOnly: request.headOnly, date: dates.current())
        connection.responses += 1
        scoreboard.countResponse(status: response.status)
        accessLog?.record(request.access, version: request.version, status: response.status,
                          bytes: connection.output.count - queuedBefore, bodyBytes: request.headOnly ? 0 : response.body.count,
                          peer: connection.peer, pid: setup.identity.pid, served: served, connectionRequest: connection.responses)
    }

    /// Writes pending output; on EAGAIN waits for EPOLLOUT. Closes when done
    /// if the connection is to close.
    func flush(_ connection: Connection) {
        let now = Instant.now()
        while connection.hasPendingOutput {
            let sent: Int?
            do {
                let offset = connection.written
                sent = try Posix.send(connection.fd, connection.output, from: offset)
            } catch {
                abort(connection)  // EPIPE / ECONNRESET: the client is gone
                return
            }
            guard let n = sent else {
                connection.lastWriteProgress = now
                if !connection.pollingWrite {
                    connection.pollingWrite = true
                    updateInterest(connection)
                }
                refreshDeadline(connection)
                return
            }
            connection.written += n
            connection.lastWriteProgress = now
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
        connection.written = 0
        if connection.pollingWrite {
            connection.pollingWrite = false
            updateInterest(connection)
        }
        if connection.closeAfterWrite && connection.delayed == nil {
            close(connection)
            return
        }
        connection.trackPhase(now: now)
        refreshDeadline(connection)
    }

    /// Registers what the connection waits for: input until the peer's EOF,
    /// output while a write is blocked.
    private func updateInterest(_ connection: Connection) {
        var events: UInt32 = connection.inputClosed ? 0 : Epoll.readable | Epoll.peerClosed
        if connection.pollingWrite { events |= Epoll.writable }
        try? epoll.modify(connection.fd, events)
    }
}

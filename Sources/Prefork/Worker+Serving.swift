@preconcurrency import Glibc
import HTTP1

/// The request path inside a worker: read, parse, answer in order, write.
extension Worker {
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    func connectionEvent(_ connection: Connection, events: UInt32) {
        if connection.isLingering {
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
    /// Returns false when the socket had nothing at all (EAGAIN at once).
    @discardableResult
    func readAndServe(_ connection: Connection) -> Bool {
        let fd = connection.fd
        var failed = false
        var found = true
        withReadBuffer { buffer in
            var first = true
            while true {
                let count: Int?
                do { count = try Posix.read(fd, buffer) } catch { failed = true; return }
                guard let n = count else { found = !first; return }  // drained (EAGAIN)
                first = false
                if n == 0 { connection.inputClosed = true; return }
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
                if n < buffer.count { return }  // short read: nothing more queued
            }
        }
        if failed { abort(connection); return true }  // reset by peer
        // EOF stays readable: stop polling it (a connection not yet in the
        // epoll set gets the right events when open() registers it).
        if connection.inputClosed && connection.registered { updateInterest(connection) }
        serve(connection)
        return found
    }

    /// Answers every complete request in the parser's buffer, in order, then
    /// writes. Stops at a delayed reply so later responses cannot overtake it.
    func serve(_ connection: Connection) {
        let now = Instant.now()
        while connection.isOpen && connection.file == nil {
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
        if connection.claim == .none && connection.phase == .body { holdClaim(connection) }  // a head is complete
        // The last unit is taken: stop accepting now. This connection is not
        // idle (it owes a response), so the drain leaves it to finish.
        if budget.isSpent {
            guard knobs.answersAtRetirement else { _exit(WorkerExit.ok) }  // what it owes is never sent
            beginDrain(reason: "lifetime")
        }
        if connection.inputClosed && connection.isOpen {
            // The peer is done sending: nothing more can complete.
            connection.state = .closing
        }
        if draining && connection.isIdle { connection.state = .closing }
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
        connection.clientClosing = !request.keepAlive
        let context = RequestContext(worker: setup.identity, served: served, budget: budget.limit, peer: connection.peer)
        let reply = builtins.route(request, context: context) ?? handler.handle(request, context: context)
        let started = connection.requestStart ?? now
        connection.requestStart = nil
        let facts = Connection.RequestFacts(version: request.version, keepAlive: request.keepAlive, headOnly: request.isHead,
                                            access: accessLog?.capture(request, started: started))
        if let delay = reply.delay {
            connection.state = .delaying(.init(response: reply.response, request: facts, served: served, due: now + delay, file: reply.file))
            return
        }
        write(reply.response, file: reply.file, for: facts, served: served, on: connection)
    }

    /// A request the parser refused: answer its status and close.
    private func answer(_ error: HTTPError, on connection: Connection) {
        guard let served = reserveUnit(for: connection) else { return }
        connection.clientClosing = false  // the rest of a refused request may still be arriving: linger
        let facts = Connection.RequestFacts(version: .http1_1, keepAlive: false, headOnly: false)
        write(Response.error(error), for: facts, served: served, on: connection)
    }

    /// The budget's next unit, or nil: then this request is never answered and
    /// its connection closes before any byte of a response to it.
    private func reserveUnit(for connection: Connection) -> Int? {
        guard let served = budget.reserve() else {
            connection.state = .closing
            return nil
        }
        if connection.claim != .held { holdClaim(connection) }
        scoreboard.setServed(slot: slot, served)
        return served
    }

    func deliverDelayed(_ connection: Connection, now: Instant) {
        guard let delayed = connection.delayedReply else { return }
        connection.state = .open
        write(delayed.response, file: delayed.file, for: delayed.request, served: delayed.served, on: connection)
        serve(connection)  // requests pipelined behind it, and the write
    }

    /// Serializes a response into the connection's output, with the worker
    /// headers (a contract: X-Worker-Pid, X-Worker-Served, X-Worker-Slot, after
    /// the handler's fields). Straight into the kept output buffer: no copy of
    /// the response's headers, no String per field.
    /// A `file` body follows the head by sendfile (see `flush`).
    private func write(
        _ response: Response, file: FileBody? = nil, for request: Connection.RequestFacts, served: Int, on connection: Connection
    ) {
        let keepAlive = request.keepAlive && !draining && !budget.isEnding(connections: claimingConnections) && !connection.inputClosed
        if !keepAlive { connection.state = .closing }
        // TCP_NODELAY only once a connection stays open for another response
        // (where Nagle could hold a small write back behind an unacked one): a
        // connection-per-request response is one write followed by close.
        if keepAlive && !connection.noDelay { connection.setNoDelay() }
        let queuedBefore = connection.output.count
        workerFields.render(served: served)
        var bodyBytes = request.headOnly ? 0 : response.body.count
        if let file {
            ResponseSerializer.appendHead(
                response, version: request.version, keepAlive: keepAlive, dateField: dates.field(),
                extraFields: workerFields.bytes, contentLength: file.length, into: &connection.output)
            if request.headOnly || ResponseSerializer.bodyForbidden(response.status) || file.length == 0 {
                Posix.close(file.fd)
            } else {
                connection.file = file
                bodyBytes = file.length
            }
        } else {
            ResponseSerializer.append(
                response, version: request.version, keepAlive: keepAlive, headOnly: request.headOnly,
                dateField: dates.field(), extraFields: workerFields.bytes, into: &connection.output)
        }
        connection.responses += 1
        scoreboard.countResponse(status: response.status)
        accessLog?.record(request.access, version: request.version, status: response.status,
                          bytes: connection.output.count - queuedBefore + (connection.file?.length ?? 0), bodyBytes: bodyBytes,
                          peer: connection.peer, pid: setup.identity.pid, served: served, connectionRequest: connection.responses)
    }

    /// Writes pending output, then a pending file body; on EAGAIN waits for
    /// EPOLLOUT. Closes when done if the connection is to close. Once a file
    /// body is sent, requests pipelined behind it are served.
    func flush(_ connection: Connection) {
        let now = Instant.now()
        let hadFile = connection.file != nil
        switch send(connection) {
        case .failed:
            abort(connection)  // EPIPE / ECONNRESET: the client is gone
            return
        case .blocked:
            connection.lastWriteProgress = now
            if !connection.pollingWrite {
                connection.pollingWrite = true
                updateInterest(connection)
            }
            refreshDeadline(connection)
            return
        case .done:
            connection.lastWriteProgress = now
        }
        if connection.pollingWrite {
            connection.pollingWrite = false
            updateInterest(connection)
        }
        if connection.isClosing {
            close(connection)
            return
        }
        connection.trackPhase(now: now)
        refreshDeadline(connection)
        if hadFile && connection.parser.bufferedByteCount > 0 { serve(connection) }
    }

    enum SendResult { case done, blocked, failed }

    /// Sends `output` (MSG_MORE when a file follows), then the file range.
    private func send(_ connection: Connection) -> SendResult {
        do {
            while connection.written < connection.output.count {
                let offset = connection.written
                guard let n = try Posix.send(connection.fd, connection.output, from: offset, more: connection.file != nil)
                else { return .blocked }
                connection.written += n
            }
            if !connection.output.isEmpty {
                connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
                connection.written = 0
            }
            while let file = connection.file {
                var offset = file.offset
                guard let n = try Posix.sendfile(connection.fd, file.fd, offset: &offset, count: file.length)
                else { return .blocked }
                if n == 0 { return .failed }  // the file shrank: the promised length cannot be sent
                connection.file!.offset = offset
                connection.file!.length -= n
                if connection.file!.length == 0 { connection.releaseFile() }
            }
            return .done
        } catch {
            return .failed
        }
    }

    /// Registers what the connection waits for: input until the peer's EOF,
    /// output while a write is blocked.
    /// A connection epoll cannot watch (ENOMEM, or a bug) could never finish:
    /// it is closed at once.
    private func updateInterest(_ connection: Connection) {
        do { try register(connection, interest(connection)) } catch { abort(connection) }
    }

    func interest(_ connection: Connection) -> UInt32 {
        var events: UInt32 = connection.inputClosed ? 0 : Epoll.readable | Epoll.peerClosed
        if connection.pollingWrite { events |= Epoll.writable }
        return events
    }
}

/// The X-Worker-* field lines: pid and slot serialized once per worker, the
/// served count per response, into one kept buffer.
struct WorkerFields {
    private let pidLine: [UInt8]
    private let slotLine: [UInt8]
    private(set) var bytes: [UInt8] = []

    init(pid: Int32, slot: Int) {
        var line: [UInt8] = []
        ResponseSerializer.appendField("X-Worker-Pid", decimal: Int(pid), into: &line)
        pidLine = line
        line = []
        ResponseSerializer.appendField("X-Worker-Slot", decimal: slot, into: &line)
        slotLine = line
        bytes.reserveCapacity(96)
    }

    mutating func render(served: Int) {
        bytes.removeAll(keepingCapacity: true)
        bytes += pidLine
        ResponseSerializer.appendField("X-Worker-Served", decimal: served, into: &bytes)
        bytes += slotLine
    }
}

import HTTP1

/// `GET /__status`: the scoreboard as JSON. Field names are a contract
/// (documented in the README); the suite never trusts them for process facts,
/// but operators and the chaos report read them.
struct StatusPage {
    let scoreboard: Scoreboard

    func render(now: Instant = .now()) -> Response {
        var slots: [String] = []
        for index in 0..<scoreboard.capacity {
            let s = scoreboard.snapshot(slot: index)
            guard s.state != .empty || s.pid != 0 else { continue }
            let age = s.state == .empty ? 0 : Int(now.since(s.heartbeat).milliseconds)
            slots.append(#"{"slot":\#(index),"pid":\#(s.pid),"generation":\#(s.generation),"served":\#(s.served),"state":"\#(s.state.name)","heartbeat_age_ms":\#(age)}"#)
        }
        let counters: [Scoreboard.Counter] = [.spawned, .retired, .stopped, .crashed, .killedByTimeout, .bootFailed, .backoff, .acceptErrors]
        let counterJSON = counters.map { #""\#($0.name)":\#(scoreboard[$0])"# }.joined(separator: ",")
        let responses = (1...5).map { #""\#($0)xx":\#(scoreboard[Scoreboard.Counter(rawValue: Scoreboard.Counter.responses1xx.rawValue + $0 - 1)!])"# }
            .joined(separator: ",")
        let dropped = #""event":\#(scoreboard[.logLinesDroppedEvent]),"access":\#(scoreboard[.logLinesDroppedAccess])"#
        let uptime = Int(now.since(Instant(nanoseconds: UInt64(scoreboard[.startedAt]))).milliseconds / 1000)
        let body = #"{"master_pid":\#(scoreboard[.masterPid]),"uptime_s":\#(uptime),"workers":[\#(slots.joined(separator: ","))],"counters":{\#(counterJSON)},"responses":{\#(responses)},"log_lines_dropped":{\#(dropped)}}"# + "\n"
        return Response(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}

import HTTP1

/// `GET /__status`: the scoreboard as JSON. Field names are a contract
/// (documented in the README); the suite never trusts them for process facts,
/// but operators and the chaos report read them.
struct StatusPage {
    let scoreboard: Scoreboard
    /// The executable USR2 re-executes (resolved at startup).
    var binary = ""

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
        let master = #""master_started_at":\#(scoreboard[.masterStartedWall]),"binary":"\#(Self.escaped(binary))","upgrade":\#(upgradeJSON())"#
        let body = #"{"master_pid":\#(scoreboard[.masterPid]),"uptime_s":\#(uptime),\#(master),"workers":[\#(slots.joined(separator: ","))],"counters":{\#(counterJSON)},"responses":{\#(responses)},"log_lines_dropped":{\#(dropped)}}"# + "\n"
        return Response(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    /// `{"state":"idle"}` or `{"state":"in_progress","new_pid":N}`, plus
    /// `"last_failure":{"reason":"exit:1","at":<unix s>}` once one failed.
    private func upgradeJSON() -> String {
        let pid = scoreboard[.upgradePid]
        var json = pid == 0 ? #"{"state":"idle""# : #"{"state":"in_progress","new_pid":\#(pid)"#
        let code = scoreboard[.upgradeFailureCode]
        let reason: String? = switch scoreboard[.upgradeFailureKind] {
        case 1: "exit:\(code)"
        case 2: "signal:\(code)"
        case 3: "timeout"
        case 4: "fork:\(code)"
        default: nil
        }
        if let reason { json += #","last_failure":{"reason":"\#(reason)","at":\#(scoreboard[.upgradeFailedAt])}"# }
        return json + "}"
    }

    /// A JSON string body: backslash, quote and control bytes escaped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

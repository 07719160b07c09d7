import HTTP1

/// `GET /__metrics`: the scoreboard in the Prometheus text exposition format
/// (version 0.0.4). Metric names are a contract, listed in the README.
struct MetricsPage {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let scoreboard: Scoreboard

    func render(now: Instant = .now()) -> Response {
        Response(status: 200, headers: [("Content-Type", Self.contentType)], body: Array(text(now: now).utf8))
    }

    /// The exposition text; every family has `# HELP` and `# TYPE` first.
    func text(now: Instant) -> String {
        var out = MetricsWriter()
        let slots = (0..<scoreboard.capacity).map { scoreboard.snapshot(slot: $0) }.filter { $0.state != .empty || $0.pid != 0 }
        out.family("preforkd_workers_alive", .gauge, "Worker processes alive (slots holding a pid).")
        out.sample("preforkd_workers_alive", value: slots.filter { $0.pid != 0 }.count)
        out.family("preforkd_worker_served", .gauge, "Responses served by the slot's current worker (restarts at 0 each generation).")
        for s in slots { out.sample("preforkd_worker_served", labels: [("slot", "\(s.slot)")], value: s.served) }
        out.family("preforkd_worker_generation", .gauge, "How many workers the slot has had, the current one included.")
        for s in slots { out.sample("preforkd_worker_generation", labels: [("slot", "\(s.slot)")], value: s.generation) }
        out.family("preforkd_workers_spawned_total", .counter, "Workers forked since the master started.")
        out.sample("preforkd_workers_spawned_total", value: scoreboard[.spawned])
        out.family("preforkd_worker_exits_total", .counter, "Workers reaped, by reason.")
        let reasons: [Scoreboard.Counter] = [.retired, .stopped, .crashed, .killedByTimeout, .bootFailed]
        for counter in reasons {
            out.sample("preforkd_worker_exits_total", labels: [("reason", counter.name)], value: scoreboard[counter])
        }
        out.family("preforkd_backoff_events_total", .counter, "Times a slot's respawn was delayed after a crash or boot failure.")
        out.sample("preforkd_backoff_events_total", value: scoreboard[.backoff])
        out.family("preforkd_responses_total", .counter, "Responses written, by status class.")
        for cls in 1...5 {
            let counter = Scoreboard.Counter(rawValue: Scoreboard.Counter.responses1xx.rawValue + cls - 1)!
            out.sample("preforkd_responses_total", labels: [("class", "\(cls)xx")], value: scoreboard[counter])
        }
        out.family("preforkd_log_lines_dropped_total", .counter, "Log lines dropped because the log could not take them (a stalled reader, a full disk).")
        out.sample("preforkd_log_lines_dropped_total", labels: [("log", "event")], value: scoreboard[.logLinesDroppedEvent])
        out.sample("preforkd_log_lines_dropped_total", labels: [("log", "access")], value: scoreboard[.logLinesDroppedAccess])
        out.family("preforkd_accept_errors_total", .counter, "accept4 failures other than an empty queue (EMFILE, ENFILE, ENOMEM...).")
        out.sample("preforkd_accept_errors_total", value: scoreboard[.acceptErrors])
        let started = Instant(nanoseconds: UInt64(scoreboard[.startedAt]))
        out.family("preforkd_uptime_seconds", .gauge, "Seconds since the master started.")
        out.sample("preforkd_uptime_seconds", value: now.since(started).milliseconds / 1000)
        return out.text
    }
}

/// Appends exposition lines. Label values here are digits and fixed names,
/// but they are escaped anyway (`\`, `"`, newline) as the format requires.
struct MetricsWriter {
    enum Kind: String { case counter, gauge }

    private(set) var text = ""

    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + kind.rawValue + "\n"
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], value: Int) {
        line(name, labels, String(value))
    }

    mutating func sample(_ name: String, labels: [(String, String)] = [], value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        line(name, labels, String(thousandths / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction)
    }

    private mutating func line(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { $0.0 + "=\"" + Self.escape($0.1) + "\"" }.joined(separator: ",") + "}"
        }
        text += " " + value + "\n"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

import Logging

/// The loop-turn side of non-blocking logging (AppendFile): each turn of the
/// master's and of every worker's loop retries the lines its logs could not
/// take yet, and once a destination takes lines again, logs how many were
/// dropped meanwhile (`log_lines_dropped log=event|access count=N`, a
/// contract: the suite and operators match on it).
struct LogBackPressure {
    let event: AppendFile
    let access: AppendFile?

    init(eventLog: EventLog, accessLog: AccessLog?) {
        event = eventLog.backPressure
        access = accessLog?.backPressure
    }

    /// Something is queued or a drop is unreported: the loop should come
    /// back soon (`retryMs`) even if nothing else happens.
    var needsTurn: Bool { event.needsTurn || access?.needsTurn == true }

    /// How soon a loop with lines queued looks again.
    static let retryMs: Int32 = 100

    /// Retries queued lines and reports drops whose episode is over.
    func turn(log: Logger) {
        guard needsTurn else { return }
        access?.flushPending()
        event.flushPending()
        if let count = access?.takeRecoveredDrops() {
            log.warning("log_lines_dropped", metadata: ["log": "access", "count": "\(count)"])
        }
        if let count = event.takeRecoveredDrops() {
            log.warning("log_lines_dropped", metadata: ["log": "event", "count": "\(count)"])
        }
    }
}

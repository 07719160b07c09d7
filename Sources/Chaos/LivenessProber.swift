import Curl
import Foundation
import Harness

/// What a fresh client sees: a GET / on a new connection every `interval`,
/// each on its own thread so one stuck probe (a frozen target) does not
/// delay the next, at most `maxInFlight` at once. Runs only when environment
/// faults are in force; liveness-under-fault judges these events.
final class LivenessProber: Sendable {
    let baseURL: String
    let interval: Double
    let timeout: Double
    let maxInFlight = 16
    private let events = Locked<[RequestEvent]>([])
    private let inFlight = Locked(0)
    private let stopFlag = Locked(false)
    private let finished = Locked(false)

    init(baseURL: String, interval: Double = 0.2, timeout: Double) {
        self.baseURL = baseURL
        self.interval = interval
        self.timeout = timeout
    }

    func start() {
        Thread.detachNewThread { [self] in
            while !stopFlag.value {
                let next = monotonicNow() + ns(interval)
                if inFlight.withLock({ n -> Bool in
                    guard n < maxInFlight else { return false }
                    n += 1
                    return true
                }) {
                    Thread.detachNewThread { [self] in
                        let r = HTTPProbe.get(baseURL, "/", timeout: timeout, source: .liveness)
                        events.withLock { $0.append(r) }
                        inFlight.withLock { $0 -= 1 }
                    }
                }
                sleep(until: next)
            }
            finished.withLock { $0 = true }
        }
    }

    /// Stops probing, waits for the probes in flight (bounded) and returns every event.
    func stop() -> [RequestEvent] {
        stopFlag.withLock { $0 = true }
        _ = waitUntil(timeout: timeout + 2) { finished.value && inFlight.value == 0 }
        return events.value
    }
}

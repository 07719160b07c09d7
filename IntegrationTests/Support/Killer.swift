import Foundation
import Glibc
import Harness

/// Kills a random live worker of `daemon` every `interval` seconds on a
/// background thread (pid + start time checked), recording kill times.
final class Killer: @unchecked Sendable {
    private let daemon: Daemon
    private let interval: Double
    private let running = Locked(true)
    private let kills = Locked<[UInt64]>([])
    private let done = DispatchSemaphore(value: 0)

    init(_ daemon: Daemon, every interval: Double) {
        self.daemon = daemon
        self.interval = interval
    }

    func start() {
        let thread = Thread { [self] in
            // A fixed schedule (start + k * interval), so slow /proc scans under
            // load do not stretch the interval.
            let start = monotonicNanos()
            var k: UInt64 = 0
            while running.withLock({ $0 }) {
                k += 1
                let due = start &+ k &* UInt64(interval * 1e9)
                let now = monotonicNanos()
                if due > now { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
                guard running.withLock({ $0 }) else { break }
                // Under lifetime churn the chosen worker may retire between the
                // scan and the signal: try again so the rate holds. 20 tries:
                // since round 3 a worker with lifetime 20 lives a few ms, and 5
                // tries landed only 9 of 20 kills in one CI dry run.
                // No worker at all: every slot is between a death and its
                // respawn (young victims back off): look again shortly.
                for _ in 0..<20 {
                    guard let victim = daemon.workers().randomElement() else {
                        Thread.sleep(forTimeInterval: 0.005)
                        continue
                    }
                    let t = monotonicNanos()
                    if SafeSignal.send(SIGKILL, to: victim.pid, expectedStartTime: victim.startTime) {
                        kills.withLock { $0.append(t) }
                        break
                    }
                }
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops the thread and returns the kill times (CLOCK_MONOTONIC ns).
    func stop() -> [UInt64] {
        running.withLock { $0 = false }
        done.wait()
        return kills.withLock { $0 }
    }
}

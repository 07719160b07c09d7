import Foundation
import Glibc
import Harness

/// Live progress: one rewritten line on a terminal, plain periodic lines
/// otherwise (CI logs). Written to stderr so stdout carries only the report.
final class Progress: Sendable {
    let duration: Double
    let isTTY: Bool
    let quiet: Bool
    let ok = Locked(0)
    let errors = Locked(0)

    init(duration: Double, quiet: Bool) {
        self.duration = duration
        self.quiet = quiet
        isTTY = isatty(2) == 1
    }

    func count(_ r: RequestEvent) {
        if r.outcome == .ok { ok.withLock { $0 += 1 } } else { errors.withLock { $0 += 1 } }
    }

    /// Prints one update. `rate` is over the last interval.
    func show(elapsed: Double, rate: Double, faults: Int, alive: Int, respawnP50: Double?) {
        guard !quiet else { return }
        let p50 = respawnP50.map { ms($0) } ?? "-"
        // Past the duration the shutdown is under way: refusals are expected, say so.
        let phase = elapsed > duration ? " shutdown" : ""
        let line = "[\(fmt(elapsed, 1))/\(fmt(duration, 0))s\(phase)] \(Int(rate)) req/s  ok \(ok.value)  "
            + "errors \(errors.value)  faults \(faults)  workers \(alive)  respawn p50 \(p50)"
        write(isTTY ? "\r\u{1B}[2K" + line : line + "\n")
    }

    /// Ends the live line and prints a message.
    func note(_ s: String) {
        guard !quiet else { return }
        write((isTTY ? "\r\u{1B}[2K" : "") + s + "\n")
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

import Foundation
import Glibc
import Harness

/// SIGINT and SIGTERM as a flag: both are blocked in every thread (call
/// `install` first thing, before any thread starts) and one thread takes
/// them with sigwait, so nothing runs in a signal handler and the runner
/// tears the fleet down on its normal path.
public enum Interrupts {
    private static let flag = Locked(false)

    public static func install() {
        let wanted = Sys.blockSignals([SIGINT, SIGTERM])
        Thread.detachNewThread {
            var s = wanted
            var signo: Int32 = 0
            while sigwait(&s, &signo) == 0 {
                flag.withLock { $0 = true }
            }
        }
    }

    /// True once SIGINT or SIGTERM arrived.
    public static var requested: Bool { flag.value }
}

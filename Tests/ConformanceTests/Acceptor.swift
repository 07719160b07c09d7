import Foundation
import Glibc
import Harness
@testable import Conformance

/// The listening half of the in-test servers: a socket on 127.0.0.1 and a
/// thread that accepts until `stop()`, handing each connection to `serve`
/// on a thread of its own (or inline, one at a time, when `serial`).
final class Acceptor: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let stopped = Locked(false)

    init() throws {
        (listener, port) = try Ports.listen()
    }

    func start(serial: Bool = false, serve: @escaping @Sendable (Int32) -> Void) {
        let listener = self.listener
        Thread.detachNewThread {
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return }
                if serial { serve(fd) } else { Thread.detachNewThread { serve(fd) } }
            }
        }
    }

    /// Stops accepting: shutdown wakes the blocked accept. Idempotent.
    func stop() {
        guard stopped.withLock({ s -> Bool in defer { s = true }; return !s }) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

import Synchronization

/// A value shared between threads (a runner's sampler, load and fault
/// threads; a test's helper threads), behind a `Mutex`. The suite's one copy.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with the value, exclusively.
    public func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }

    /// A copy of the value now.
    public var value: Value { mutex.withLock { $0 } }
}

import Synchronization

/// A value shared between the runner's threads (sampler, load, faults,
/// progress), behind a mutex.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ v: Value) { mutex = Mutex(v) }
    func with<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}

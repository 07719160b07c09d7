import Synchronization

/// A thread-safe stop request for `LoadLoop.run`.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks the loop to stop starting requests (in-flight ones finish).
    public func stop() { flag.store(true, ordering: .releasing) }

    /// True once `stop()` was called.
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
}

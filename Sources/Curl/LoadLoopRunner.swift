import Foundation
import Synchronization

/// A load generator on libcurl's multi interface: `concurrency` easy handles
/// reused per slot, one record per request. With `threads` = 1 everything
/// runs on the calling thread; with more, extra threads run shares of the
/// load and hand their records to the calling thread.
public final class LoadLoop {
    private let options: LoadOptions
    private let engines: [LoadEngine]

    public init(_ o: LoadOptions) {
        precondition(o.concurrency > 0, "concurrency must be positive")
        options = o
        let n = max(1, min(o.threads, o.concurrency))
        engines = (0..<n).map { LoadEngine(o.partition($0, of: n)) }
    }

    /// Runs until `duration` or `count` is reached or `stop` is set; requests
    /// in flight then finish (bounded by the timeout). `onRecord` runs per
    /// finished request, always on the calling thread. Records come back in
    /// completion order.
    public func run(stop: StopFlag, onRecord: ((RequestRecord) -> Void)? = nil) -> [RequestRecord] {
        let t0 = monotonicNow()
        guard engines.count > 1 else { return engines[0].run(stop: stop, t0: t0, onRecord: onRecord) }
        let inbox = Mutex<[RequestRecord]>([])
        let done = DispatchSemaphore(value: 0)
        for engine in engines.dropFirst() {
            let box = EngineBox(engine)
            let thread = Thread {
                // Each record goes to the calling thread as soon as it is done.
                _ = box.engine.run(stop: stop, t0: t0, onRecord: { r in inbox.withLock { $0.append(r) } })
                done.signal()
            }
            thread.name = "LoadLoop share"
            thread.start()
        }
        var others: [RequestRecord] = []
        let drain = {
            let batch = inbox.withLock { q -> [RequestRecord] in defer { q.removeAll() }; return q }
            for r in batch { onRecord?(r) }
            others.append(contentsOf: batch)
        }
        var records = engines[0].run(stop: stop, t0: t0, onRecord: onRecord, everyTurn: drain)
        for _ in engines.dropFirst() {
            while done.wait(timeout: .now() + .milliseconds(10)) == .timedOut { drain() }
        }
        drain()
        records.append(contentsOf: others)
        records.sort { $0.end < $1.end }
        return records
    }
}

/// Hands a (non-Sendable) engine to exactly one other thread.
private final class EngineBox: @unchecked Sendable {
    let engine: LoadEngine
    init(_ engine: LoadEngine) { self.engine = engine }
}

import Foundation
import Synchronization

/// One look at the master and its children.
public struct ProcessSample: Sendable, Codable {
    /// CLOCK_MONOTONIC nanoseconds.
    public var time: UInt64
    /// Master exists in /proc and is not a zombie.
    public var masterAlive: Bool
    /// The master's direct children at that moment.
    public var children: [ProcessEntry]
    /// Open descriptors of the master (leak check).
    public var masterFDs: Int?
    /// Master's resident memory in KiB (leak check).
    public var masterRSSKB: Int?
    /// The master's /proc state letter (S asleep, R runnable, D in a syscall);
    /// nil when unknown. ZombieCheck needs it to tell a master that ignored a
    /// death from one the scheduler has not run yet.
    public var masterState: String?

    public init(
        time: UInt64, masterAlive: Bool, children: [ProcessEntry], masterFDs: Int? = nil, masterRSSKB: Int? = nil,
        masterState: String? = nil
    ) {
        self.masterState = masterState
        self.time = time
        self.masterAlive = masterAlive
        self.children = children
        self.masterFDs = masterFDs
        self.masterRSSKB = masterRSSKB
    }

    /// Takes a sample of `master` now.
    public static func take(master: Int32) -> ProcessSample {
        let me = ProcFS.entry(master)
        return ProcessSample(time: monotonicNanos(), masterAlive: me.map { !$0.isZombie } ?? false,
                             children: ProcFS.children(of: master),
                             masterFDs: ProcFS.fdCount(master), masterRSSKB: ProcFS.rssKB(master), masterState: me.map { String($0.state) })
    }
}

/// Samples the master's children from /proc every `interval` seconds on a background thread.
public final class ProcessSampler: @unchecked Sendable {
    private let master: Int32
    private let interval: Double
    private let samples = Mutex<[ProcessSample]>([])
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(master: Int32, interval: Double = 0.01) {
        self.master = master
        self.interval = interval
    }

    /// Starts the sampling thread (once).
    public func start() {
        guard running.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else { return }
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let sample = ProcessSample.take(master: master)
                samples.withLock { $0.append(sample) }
                sleepSeconds(interval)
            }
            samples.withLock { $0.append(ProcessSample.take(master: master)) }   // a final look
            finished.signal()
        }
        thread.name = "ProcessSampler(\(master))"
        thread.start()
    }

    /// Samples so far, without stopping.
    public var snapshot: [ProcessSample] { samples.withLock { $0 } }

    /// Stops the thread (after one last sample) and returns all samples.
    public func stop() -> [ProcessSample] {
        if running.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged {
            finished.wait()
        }
        return samples.withLock { $0 }
    }
}

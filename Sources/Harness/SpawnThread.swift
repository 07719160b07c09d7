import Dispatch
import Glibc
import Synchronization

/// One thread that lives as long as the process and does every spawn.
///
/// Spawned children carry PR_SET_PDEATHSIG(SIGKILL) so that a test run that is
/// interrupted or killed never leaves a daemon behind. The kernel sends that
/// signal when the *thread* that forked the child exits, and Swift's
/// concurrency and Dispatch threads come and go; this thread never does.
final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()

    /// A closure handed to the spawn thread; the caller waits on `done`, so
    /// nothing it captures is touched by two threads at once.
    private final class Job: @unchecked Sendable {
        /// Dropped by the spawn thread before it signals `done`: the closure
        /// wraps a non-escaping one and must be gone when `run` returns.
        var work: (() -> Void)?
        let done = DispatchSemaphore(value: 0)

        init(_ work: @escaping () -> Void) { self.work = work }
    }

    private let jobs = Mutex<[Job]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(self)
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<SpawnThread>.fromOpaque(raw!).takeRetainedValue()
            me.loop()
        }, box.toOpaque())
        precondition(rc == 0, "pthread_create: \(rc)")
        pthread_detach(thread)
    }

    /// Runs `work` on the spawn thread and waits for it.
    func run<T>(_ work: () -> T) -> T {
        var result: T?
        withoutActuallyEscaping(work) { work in
            let job = Job { result = work() }
            jobs.withLock { $0.append(job) }
            ready.signal()
            job.done.wait()
        }
        return result!
    }

    private func loop() -> Never {
        while true {
            ready.wait()
            guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.work?()
            job.work = nil
            job.done.signal()
        }
    }
}

import Curl
import Foundation
import Harness

/// The libcurl load loop on its own thread, its records kept as events.
final class LoadRunner: Sendable {
    let options: LoadOptions
    let progress: Progress
    private let stopFlag = StopFlag()
    private let records = Locked<[RequestEvent]>([])
    private let finished = Locked(false)

    init(options: LoadOptions, progress: Progress) {
        self.options = options
        self.progress = progress
    }

    func start() {
        records.withLock { $0.reserveCapacity(1 << 18) }
        Thread.detachNewThread { [self] in
            let loop = LoadLoop(options)
            _ = loop.run(stop: stopFlag) { r in
                let e = RequestEvent(r)
                self.progress.count(e)
                self.records.withLock { $0.append(e) }
            }
            finished.withLock { $0 = true }
        }
    }

    /// Stops starting requests and waits for those in flight (bounded).
    func stop() {
        stopFlag.stop()
        _ = waitUntil(timeout: options.timeout + 2) { finished.value }
    }

    var events: [RequestEvent] { records.value }
}

/// Calls `Progress.show` every interval on its own thread.
final class ProgressTicker: Sendable {
    let progress: Progress
    let sampler: HistorySampler
    let injector: FaultInjector
    let startTime: UInt64
    let info: RunInfo
    let interval: Double
    private let stopped = Locked(false)

    init(progress: Progress, sampler: HistorySampler, injector: FaultInjector, start: UInt64, info: RunInfo,
         interval: Double) {
        self.progress = progress
        self.sampler = sampler
        self.injector = injector
        self.startTime = start
        self.info = info
        self.interval = interval
    }

    func start() {
        Thread.detachNewThread { [self] in
            var lastCount = 0
            var lastTime = monotonicNow()
            while !stopped.value {
                Sys.sleep(interval)
                let now = monotonicNow()
                let count = progress.ok.value + progress.errors.value
                let rate = Double(count - lastCount) / (Double(now - lastTime) / 1e9)
                lastCount = count
                lastTime = now
                let v = RespawnInvariant().check(History(info: info, samples: sampler.all))
                progress.show(elapsed: Double(now - startTime) / 1e9, rate: rate,
                              faults: injector.faults.value.filter(\.applied).count,
                              alive: sampler.last?.liveChildren.count ?? 0,
                              respawnP50: (v.metrics["deaths"] ?? 0) > 0 ? v.metrics["p50_s"] : nil)
            }
        }
    }

    func stop() { stopped.withLock { $0 = true } }
}

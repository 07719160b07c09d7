import Curl
import Foundation
import Glibc
import Harness

/// Runs one chaos run as `config` says and returns the judged report.
/// Throws `ChaosSetupError` when the target cannot be started (exit 2).
/// Call from a process that may become a child subreaper.
public func runChaos(_ config: ChaosConfig) throws -> ChaosReport {
    try ChaosRunner(config).run()
}

/// Orchestrates a run: target, sampler, load, faults, shutdown, judgement.
final class ChaosRunner {
    /// As given, except `workers` once `--workers auto` has counted them.
    private(set) var config: ChaosConfig
    let seed: UInt64

    init(_ config: ChaosConfig) {
        self.config = config
        seed = config.seed ?? (monotonicNanos() ^ UInt64(UInt32(bitPattern: getpid())) << 32) % 1_000_000_000
    }

    func run() throws -> ChaosReport {
        do { try Subreaper.enable() } catch { throw ChaosSetupError("cannot become a child subreaper: \(error)") }
        let schedule = config.schedule(seed: seed)
        let target = try Target.launch(config, lifetime: config.duration + config.gracefulTimeout + 60)
        config.workers = target.workers
        let planned = try plannedSettings(target)
        let tracker = MasterTracker(pid: target.master, startTime: target.process.startTime, pidFile: target.pidFile)
        defer {
            target.process.terminateAndReap()
            // Later master generations are the runner's adopted children: killed and reaped here too.
            Subreaper.killOrphans(excluding: [target.master], matching: target.owns)
            target.logs?.close()
            target.logDisk.disk?.close()
            target.binary?.remove()
        }
        let progress = Progress(duration: config.duration, quiet: config.quiet)
        if config.effectiveFaults.contains(.slowlorisFlood) { raiseDescriptorLimit(progress) }
        progress.note("chaos-run: seed \(seed), \(schedule.faults.count) faults planned, target pid \(target.master) "
            + "on port \(target.port), \(config.duration)s")
        let sampler = HistorySampler(tracker: tracker)
        sampler.start()
        let start = monotonicNow()
        let injector = FaultInjector(tracker: tracker, planned: planned,
                                     baseURL: target.baseURL, port: target.port, hangTimeout: hangDeadline + 3,
                                     logs: target.logs, logDisk: target.logDisk)
        let loadProxy = try config.proxy ? startLoadProxy(target) : nil
        defer { loadProxy?.stop() }
        if let p = loadProxy {
            progress.note("chaos-run: load through the fault proxy on port \(p.port) (a benign toxic per connection)")
        }
        let load = LoadRunner(options: loadOptions(target, through: loadProxy), progress: progress)
        load.start()
        let env = config.limits.env
        let prober = config.hasEnvironmentFaults
            ? LivenessProber(baseURL: target.baseURL,
                             timeout: max(4, env.livenessBound * 2, config.environmentTiming.pauseLength + 2)) : nil
        prober?.start()
        let ticker = ProgressTicker(progress: progress, sampler: sampler, injector: injector, start: start,
                                    info: runInfo(target, start: start), interval: config.progressInterval)
        ticker.start()
        runFaults(schedule, injector: injector, start: start)
        sleep(until: start + ns(config.duration))
        // Lasting environment faults end (and undo themselves) before the stop.
        injector.awaitEnvironment(timeout: config.environmentTiming.pauseLength + 15)
        injector.awaitHandover(timeout: planned.handoverDeadline * 2 + planned.upgradeTimeout + 2)
        let liveness = prober?.stop() ?? []
        let masterKilled = injector.faults.value.contains { $0.kind == .masterKill && $0.applied }
        let shutdown = masterKilled ? watchMasterDeath(target, load: load) : stop(target, tracker: tracker, load: load)
        ticker.stop()
        injector.drain(timeout: hangDeadline + 5)
        let samples = sampler.stop()
        var info = runInfo(target, start: start)
        info.endTime = monotonicNow()
        let history = History(info: info, requests: load.events + injector.requests.value + liveness
                                  + (shutdown?.probes ?? []),
                              faults: injector.faults.value, samples: samples, shutdown: shutdown,
                              generations: tracker.generations.count > 1 ? tracker.generations : nil)
        if let p = config.historyPath { try? history.write(to: p) }
        var report = ChaosReport(history: history, verdicts: Invariants.judge(history), config: config,
                                 reproduce: reproduceCommand())
        report.schedule = schedule
        report.timeSeries = Timeline(history: history)
        report.workers = config.workers
        report.verdicts += config.slo.judge(report)
        progress.note("")
        return report
    }

    /// Signals for planned changes: preforkd's own, or the flags' for a foreign server.
    private func plannedSettings(_ t: Target) throws -> PlannedChangeSettings {
        let c = config
        func sig(_ name: String?) throws -> Int32? { try name.map(SignalName.number) }
        do {
            return PlannedChangeSettings(
                upgradeSignal: c.isPreforkd ? SIGUSR2 : try sig(c.upgradeSignal), upgradeFinish: try sig(c.upgradeFinish),
                reloadSignal: c.isPreforkd ? nil : try sig(c.reloadSignal),
                scaleDownSignal: try SignalName.number(c.scaleDownSignal), scaleUpSignal: try SignalName.number(c.scaleUpSignal),
                workers: c.workers, handoverDeadline: c.gracefulTimeout + c.limits.shutdownSlack + 2,
                upgradeTimeout: c.upgradeTimeout, binary: t.binary, isPreforkd: c.isPreforkd)
        } catch {
            t.process.terminateAndReap()
            throw error
        }
    }

    /// A slowloris flood holds up to 1000 sockets: soft RLIMIT_NOFILE up to the hard one.
    private func raiseDescriptorLimit(_ progress: Progress) {
        do { try Sys.raiseDescriptorLimit() } catch {
            progress.note("chaos-run: cannot raise RLIMIT_NOFILE: \(error)")
        }
    }

    var hangDeadline: Double { config.timeout + max(config.limits.hangSlack, config.timeout * 0.5) }

    /// The fault proxy in front of the target for the load (`--proxy`).
    private func startLoadProxy(_ t: Target) throws -> FaultProxy {
        let p: FaultProxy
        do { p = try FaultProxy(targetPort: t.port, seed: seed, destructive: false, recordAnswers: false) } catch {
            throw ChaosSetupError("fault proxy: \(error)")
        }
        p.start()
        return p
    }

    private func loadOptions(_ t: Target, through proxy: FaultProxy?) -> LoadOptions {
        LoadOptions(url: proxy.map { "http://127.0.0.1:\($0.port)/" } ?? t.baseURL, concurrency: config.concurrency,
                    duration: config.duration + config.gracefulTimeout + 30, keepAlive: config.keepAlive,
                    rate: config.rate, timeout: max(10, hangDeadline + 3), seed: seed,
                    threads: min(config.loadThreads, config.concurrency))
    }

    func runInfo(_ t: Target, start: UInt64) -> RunInfo {
        RunInfo(seed: seed, startTime: start, endTime: 0, runnerPid: getpid(), masterPid: t.master,
                workers: config.workers, lifetime: config.lifetime, lifetimeJitter: config.lifetimeJitter,
                timeout: config.timeout, gracefulTimeout: config.gracefulTimeout, command: t.command,
                port: t.port, limits: config.limits)
    }

    /// Fires each planned fault at its time, on this thread.
    private func runFaults(_ s: FaultSchedule, injector: FaultInjector, start: UInt64) {
        for (i, f) in s.faults.enumerated() {
            sleep(until: start + ns(f.at))
            injector.inject(f, index: i)
            if f.kind == .masterKill { return }
        }
    }

    /// The reproduce line: every setting that shapes the run, with the seed.
    func reproduceCommand() -> String {
        var a = ["chaos-run"]
        if let s = config.scenarioName { a += ["--scenario", s] }
        a += ["--seed", "\(seed)", "--duration", fmt(config.duration, 1),
              "--workers", config.workersAuto ? "auto" : "\(config.workers)",
              "--lifetime", "\(config.lifetime)", "--concurrency", "\(config.concurrency)",
              config.keepAlive ? "--keep-alive" : "--fresh-connections", "--load-threads", "\(config.loadThreads)",
              "--faults", config.effectiveFaults.isEmpty ? "none"
                  : config.effectiveFaults.map(\.rawValue).joined(separator: ","),
              "--kill-every", "\(config.killEvery)", "--timeout", "\(config.timeout)"]
        if let r = config.rate { a += ["--rate", "\(r)"] }
        if config.proxy { a += ["--proxy"] }
        if config.shutdown != ["TERM"] { a += ["--shutdown", config.shutdown.joined(separator: ",")] }
        if !config.extraArgs.isEmpty { a += ["--extra-arg"] + [config.extraArgs.joined(separator: " ")] }
        let slo = config.slo
        if let v = slo.maxLostPerDeath { a += ["--max-lost-per-death", "\(v)"] }
        if let v = slo.maxRespawnP99 { a += ["--max-respawn-p99", "\(v)"] }
        if let v = slo.minRPS { a += ["--min-rps", "\(v)"] }
        if let v = slo.maxP99ms { a += ["--max-p99-ms", "\(v)"] }
        if let c = config.command { a += ["--"] + c }
        return a.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}

/// Sleeps until the monotonic time `deadline` (ns).
func sleep(until deadline: UInt64) {
    while true {
        let now = monotonicNow()
        if now >= deadline { return }
        Sys.sleep(Double(min(deadline - now, 50_000_000)) / 1e9)
    }
}

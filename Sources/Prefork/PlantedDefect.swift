/// Defects planted on purpose so the suite can prove its checks fail
/// (`--planted-defect`, hidden from help). Never used in production.
///
/// The one seam between them and the engine: a defect only turns knobs of
/// `EngineKnobs`, here, and the production path reads those knobs as plain
/// policy (`reapsChildren`, `acceptBackoff`...), never the defect. So no
/// `if defect == ...` stands in Master or Worker.
package enum PlantedDefect: String, Sendable, CaseIterable {
    /// The master stops reaping children: zombies pile up.
    case noReap = "no-reap"
    /// The master never refills a slot once ready.
    case noRespawn = "no-respawn"
    /// Workers answer one request beyond their lifetime.
    case extraRequest = "extra-request"
    /// The master ignores stale heartbeats.
    case noTimeoutKill = "no-timeout-kill"
    /// Log writes block when the reader stops reading (the old AppendFile).
    case blockingLog = "blocking-log"
    /// accept4 failing with EMFILE/ENFILE is retried at once (busy spin).
    case noAcceptBackoff = "no-accept-backoff"
    /// The master judges heartbeats right after its own pause (false timeouts).
    case noPauseGrace = "no-pause-grace"
    /// The old master shutdown()s the shared listener when it hands over.
    case upgradeShutdownListener = "upgrade-shutdown-listener"
    /// A new master that fails or hangs is left alone (no kill, no rollback).
    case upgradeNoRollback = "upgrade-no-rollback"
    /// `/__health` keeps answering 200 while the master drains.
    case noDrainReport = "no-drain-report"
    /// A worker exits the moment its last unit is taken: the responses it
    /// owes (the last request's among them) are never sent.
    case retirementDropsConnections = "retirement-drops-connections"

    /// The knobs this defect turns.
    var knobs: EngineKnobs {
        var knobs = EngineKnobs()
        switch self {
        case .noReap: knobs.reapsChildren = false
        case .noRespawn: knobs.refillsAfterReady = false
        case .extraRequest: knobs.extraLifetimeUnits = 1
        case .noTimeoutKill: knobs.killsStaleWorkers = false
        case .blockingLog: knobs.blockingLogs = true
        case .noAcceptBackoff: knobs.acceptBackoff = .zero
        case .noPauseGrace: knobs.forgivesMasterPauses = false
        case .upgradeShutdownListener: knobs.shutsDownListenerOnHandover = true
        case .upgradeNoRollback: knobs.rollsBackUpgrades = false
        case .noDrainReport: knobs.reportsDraining = false
        case .retirementDropsConnections: knobs.answersAtRetirement = false
        }
        return knobs
    }
}

/// Internal policy the engine follows, with the production values as
/// defaults. Only a planted defect changes them (PlantedDefect.knobs).
struct EngineKnobs: Equatable {
    /// The master reaps every dead child each turn.
    var reapsChildren = true
    /// The master refills empty slots after its ready line (before it, always).
    var refillsAfterReady = true
    /// The heartbeat timeout is enforced (when --timeout is set).
    var killsStaleWorkers = true
    /// The master's own pauses are not held against heartbeats (PauseDetector).
    var forgivesMasterPauses = true
    /// Units a worker answers beyond its lifetime.
    var extraLifetimeUnits = 0
    /// Log writes wait for the reader (AppendFile's old loop).
    var blockingLogs = false
    /// How long a worker stops polling the listener after accept4 ran out of
    /// a resource (Worker+AcceptErrors); zero retries at once.
    var acceptBackoff: Duration = .milliseconds(500)
    /// A failed or late new master (USR2) is killed and the old one serves on.
    var rollsBackUpgrades = true
    /// The old master shutdown()s the socket at hand-over (stops it for all).
    var shutsDownListenerOnHandover = false
    /// `/__health` answers 503 once the master drains (HealthPage).
    var reportsDraining = true
    /// A retiring worker answers what it owes before it exits.
    var answersAtRetirement = true
}

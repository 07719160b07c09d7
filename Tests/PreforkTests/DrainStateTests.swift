import Testing
@testable import Prefork

/// DrainState decides what INT/TERM/HUP/QUIT do with `--drain-delay`; these
/// tests feed it made-up instants, without forking or signals.
@Suite struct DrainStateTests {
    static let t0 = Instant(nanoseconds: 7_000_000_000_000)
    static func at(_ ms: Int) -> Instant { t0 + .milliseconds(ms) }

    @Test func withoutDelayTheStopIsImmediateAsBefore() {
        var drain = DrainState(delay: .zero)
        #expect(drain.signalled(.term, now: Self.t0, stopping: false)
                == [.announce(signal: .term, delay: .zero), .stop(signal: .term, graceful: true)])
        #expect(drain.nextDeadline() == nil)
        #expect(drain.hasBegun)
        // The same signal again goes to the WorkerTable, which makes it immediate.
        #expect(drain.signalled(.term, now: Self.at(10), stopping: true) == [.stop(signal: .term, graceful: true)])
    }

    @Test(arguments: [Signal.int, .term, .hup])
    func delayReportsDrainingThenStopsGracefully(_ signal: Signal) {
        var drain = DrainState(delay: .milliseconds(1500))
        #expect(drain.signalled(signal, now: Self.t0, stopping: false) == [.announce(signal: signal, delay: .milliseconds(1500))])
        #expect(drain.hasBegun)
        #expect(drain.nextDeadline() == Self.at(1500))
        #expect(drain.tick(now: Self.at(1499)).isEmpty, "workers serve on until the delay is over")
        #expect(drain.tick(now: Self.at(1500)) == [.stop(signal: signal, graceful: true)])
        #expect(drain.nextDeadline() == nil)
        #expect(drain.tick(now: Self.at(2000)).isEmpty, "the stop is asked for once")
    }

    @Test func secondSignalDuringTheDelayStopsAtOnce() {
        var drain = DrainState(delay: .seconds(10))
        _ = drain.signalled(.term, now: Self.t0, stopping: false)
        #expect(drain.signalled(.int, now: Self.at(300), stopping: false) == [.stop(signal: .int, graceful: false)])
        #expect(drain.nextDeadline() == nil)
        #expect(drain.tick(now: Self.at(10_000)).isEmpty, "no second stop when the delay would have ended")
    }

    @Test func quitIsImmediateWithOrWithoutDelay() {
        var drain = DrainState(delay: .seconds(10))
        #expect(drain.signalled(.quit, now: Self.t0, stopping: false)
                == [.announce(signal: .quit, delay: nil), .stop(signal: .quit, graceful: false)])
        #expect(drain.nextDeadline() == nil)

        var delaying = DrainState(delay: .seconds(10))
        _ = delaying.signalled(.hup, now: Self.t0, stopping: false)
        #expect(delaying.signalled(.quit, now: Self.at(5), stopping: false) == [.stop(signal: .quit, graceful: false)])
    }

    /// After an upgrade's hand-over the workers already drain: a TERM is a
    /// second stop (immediate in the WorkerTable), not a new delay.
    @Test func aStopAlreadyUnderWaySkipsTheDelay() {
        var drain = DrainState(delay: .seconds(10))
        #expect(drain.signalled(.term, now: Self.t0, stopping: true)
                == [.announce(signal: .term, delay: nil), .stop(signal: .term, graceful: true)])
        #expect(drain.nextDeadline() == nil)
    }

    /// Before the ready line nobody routes here (and an upgrade's new master
    /// told to stop must not wait out the delay): the stop starts at once.
    @Test func notReadyYetSkipsTheDelay() {
        var drain = DrainState(delay: .seconds(10))
        #expect(drain.signalled(.term, now: Self.t0, stopping: false, ready: false)
                == [.announce(signal: .term, delay: .zero), .stop(signal: .term, graceful: true)])
        #expect(drain.nextDeadline() == nil)
    }
}

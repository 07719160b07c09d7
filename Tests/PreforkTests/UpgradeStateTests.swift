@preconcurrency import Glibc
import Testing
@testable import Prefork

/// UpgradeState decides the old master's side of USR2; these tests feed it
/// made-up pids and instants, without forking.
@Suite struct UpgradeStateTests {
    static let t0 = Instant(nanoseconds: 5_000_000_000_000)
    static func at(_ ms: Int) -> Instant { t0 + .milliseconds(ms) }

    /// An upgrade to pid 900 started at t0 with a 1 s timeout.
    static func started(rollback: Bool = true) -> UpgradeState {
        var state = UpgradeState(timeout: .seconds(1), stopGrace: .seconds(3))
        state.rollback = rollback
        #expect(state.requested(now: t0, stopping: false) == [.launch])
        #expect(state.launched(pid: 900, now: at(2)) == [.event(.started(newPid: 900))])
        return state
    }

    @Test func readyHandsOverAndReportsTheTimeSinceUSR2() {
        var state = Self.started()
        #expect(state.inProgressPid == 900)
        #expect(state.pendingChild == 900, "a starting new master must be reaped before we exit")
        let actions = state.readyReported(now: Self.at(250))
        #expect(actions == [.event(.ready(newPid: 900, handover: .milliseconds(250))), .handOver])
        #expect(state.phase == .handedOver(pid: 900))
        #expect(state.pendingChild == nil, "after hand-over the new master outlives us")
        #expect(state.nextDeadline() == nil)
        #expect(state.exited(pid: 900, status: .exited(0)) == [], "its later exit is no failure of ours")
    }

    @Test func exitBeforeReadyRollsBackAndKillsItsGroup() {
        var state = Self.started()
        let actions = state.exited(pid: 900, status: .exited(1))
        #expect(actions == [.killGeneration(pid: 900), .event(.failed(.ended(.exited(1))))])
        #expect(state.phase == .idle)
        #expect(state.lastFailure == .ended(.exited(1)))
        #expect("\(state.lastFailure!)" == "exit:1")
        #expect(state.requested(now: Self.at(10), stopping: false) == [.launch], "the next USR2 tries again")
    }

    @Test func deathBySignalIsNamedInTheReason() {
        var state = Self.started()
        _ = state.exited(pid: 900, status: .signaled(SIGSEGV))
        #expect("\(state.lastFailure!)" == "signal:\(SIGSEGV)")
    }

    @Test func notReadyInTimeIsKilledThenReaped() {
        var state = Self.started()
        #expect(state.nextDeadline() == Self.t0 + .seconds(1), "the timeout counts from USR2")
        #expect(state.tick(now: Self.at(999)).isEmpty)
        let actions = state.tick(now: Self.at(1000))
        #expect(actions == [.killGeneration(pid: 900), .event(.failed(.timeout))])
        #expect(state.lastFailure == .timeout)
        #expect(state.pendingChild == 900, "killed but not reaped yet")
        #expect(state.requested(now: Self.at(1001), stopping: false) == [.event(.ignored(reason: "in_progress"))])
        #expect(state.exited(pid: 900, status: .signaled(SIGKILL)) == [.killGeneration(pid: 900)], "no second failure event")
        #expect(state.phase == .idle)
        #expect(state.readyReported(now: Self.at(1002)).isEmpty, "a late ready after rollback changes nothing")
    }

    @Test func usr2DuringAnUpgradeOrAStopIsIgnored() {
        var state = Self.started()
        #expect(state.requested(now: Self.at(5), stopping: false) == [.event(.ignored(reason: "in_progress"))])
        #expect(state.inProgressPid == 900, "the running upgrade is untouched")
        var idle = UpgradeState(timeout: .seconds(1), stopGrace: .seconds(3))
        #expect(idle.requested(now: Self.t0, stopping: true) == [.event(.ignored(reason: "stopping"))])
        #expect(idle.phase == .idle)
    }

    @Test func gracefulStopDuringAnUpgradeStopsTheNewMasterAndWaitsForIt() {
        var state = Self.started()
        #expect(state.stop(graceful: true, now: Self.at(10)) == [.signalMaster(pid: 900, signo: SIGTERM)])
        #expect(state.pendingChild == 900)
        #expect(state.readyReported(now: Self.at(20)).isEmpty, "a stopping new master never takes over")
        #expect(state.nextDeadline() == Self.at(10) + .seconds(3))
        #expect(state.tick(now: Self.at(3009)).isEmpty)
        #expect(state.tick(now: Self.at(3010)) == [.killGeneration(pid: 900)], "KILL after the grace")
        #expect(state.exited(pid: 900, status: .signaled(SIGKILL)) == [.killGeneration(pid: 900)])
        #expect(state.pendingChild == nil)
    }

    @Test func immediateStopKillsTheNewGeneration() {
        var state = Self.started()
        #expect(state.stop(graceful: false, now: Self.at(10)) == [.killGeneration(pid: 900)])
        var graceful = Self.started()
        _ = graceful.stop(graceful: true, now: Self.at(10))
        #expect(graceful.stop(graceful: false, now: Self.at(11)) == [.killGeneration(pid: 900)], "a QUIT after TERM escalates")
    }

    @Test func stopAfterHandOverLeavesTheNewMasterAlone() {
        var state = Self.started()
        _ = state.readyReported(now: Self.at(100))
        #expect(state.stop(graceful: true, now: Self.at(200)).isEmpty)
        #expect(state.stop(graceful: false, now: Self.at(300)).isEmpty)
    }

    @Test func forkFailureIsAFailureWithNothingToKill() {
        var state = UpgradeState(timeout: .seconds(1), stopGrace: .seconds(3))
        _ = state.requested(now: Self.t0, stopping: false)
        #expect(state.launchFailed(errno: EAGAIN) == [.event(.failed(.forkFailed(errno: EAGAIN)))])
        #expect(state.phase == .idle)
    }

    @Test func workerPidsAreNotTheUpgradesBusiness() {
        var state = Self.started()
        #expect(state.exited(pid: 123, status: .exited(0)) == nil)
    }

    @Test func plantedNoRollbackLeavesAHungNewMasterAlone() {
        var state = Self.started(rollback: false)
        #expect(state.nextDeadline() == nil)
        #expect(state.tick(now: Self.at(5000)).isEmpty)
        #expect(state.exited(pid: 900, status: .exited(1)) == [.event(.failed(.ended(.exited(1))))])
    }
}

@Suite(.serialized) struct SocketActivationTests {
    @Test func variablesForAnotherPidAreIgnoredAndRemoved() {
        setenv("LISTEN_FDS", "1", 1)
        setenv("LISTEN_PID", "\(getpid() + 1)", 1)
        #expect(SocketActivation.fromEnvironment() == nil)
        #expect(getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil)
    }

    @Test func variablesForUsNameFd3AndAreRemoved() {
        setenv("LISTEN_FDS", "1", 1)
        setenv("LISTEN_PID", "\(getpid())", 1)
        #expect(SocketActivation.fromEnvironment() == 3)
        #expect(getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil)
    }

    @Test func refusesWhatIsNotAListeningTCPSocket() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(throws: StartupError.self) { try SocketActivation.adopt(fd: fds[0], deferAccept: 0) }
        let unbound = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(unbound) }
        let error = #expect(throws: StartupError.self) { try SocketActivation.adopt(fd: unbound, deferAccept: 0) }
        #expect(error?.description.contains("not a listening socket") == true)
    }

    @Test func adoptsAListeningSocketWithItsRealAddress() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(fd, 8) == 0)
        let listener = try SocketActivation.adopt(fd: fd, deferAccept: 0)
        #expect(listener.inherited && listener.host == "127.0.0.1" && listener.port > 0)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "an adopted socket never leaks across exec by accident")
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
    }
}

@Suite struct BinaryPathTests {
    @Test func relativeArgv0IsMadeAbsoluteAgainstTheStartDirectory() {
        let b = BinaryPath.resolve(argv0: "./bin/preforkd", arguments: ["./bin/preforkd", "--port", "0"], cwd: "/srv/app")
        #expect(b.path == "/srv/app/bin/preforkd")
        #expect(b.directory == "/srv/app")
        #expect(b.arguments == ["./bin/preforkd", "--port", "0"])
    }

    @Test func absoluteArgv0IsKeptWithoutResolvingSymlinks() {
        #expect(BinaryPath.resolve(argv0: "/usr/local/bin//preforkd", arguments: [], cwd: "/").path == "/usr/local/bin/preforkd")
    }

    @Test func bareNameIsFoundOnPath() {
        let b = BinaryPath.resolve(argv0: "sh", arguments: ["sh"], cwd: "/", searchPath: "/nonexistent:/bin")
        #expect(b.path == "/bin/sh")
    }
}

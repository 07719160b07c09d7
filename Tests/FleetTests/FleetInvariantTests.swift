import Chaos
import Harness
import Testing
@testable import Fleet

/// Each invariant on a clean history and on one with a planted violation.
@Suite struct FleetInvariantTests {
    /// 3 hosts, GETs and two POSTs all fine, one rolling restart of h1 at t=10
    /// that exited at t=11.5, HAProxy back to UP at 12.3.
    func clean() -> FleetHistory {
        var h = FleetHistory(seed: 1, hosts: 3, timing: HealthTiming())
        h.requests = (0..<10).map { FleetRequest(method: .get, start: Double($0), end: Double($0) + 0.01, status: 200, curlCode: 0) }
        h.requests += [
            FleetRequest(method: .post, start: 3, end: 3.01, status: 200, curlCode: 0, requestID: "1-0"),
            FleetRequest(method: .post, start: 4, end: 4.01, status: 200, curlCode: 0, requestID: "1-1"),
        ]
        h.faults = [FleetFault(kind: .rollingRestart, host: 1, start: 10, end: 12, exitedAt: 11.5)]
        h.hostLogs = [
            HostLog(host: 0, access: [AccessLine(at: 3, method: "POST", target: "/__fault/echo?rid=1-0", status: 200, connectionRequest: 1)]),
            HostLog(host: 1, access: [
                AccessLine(at: 4, method: "POST", target: "/__fault/echo?rid=1-1", status: 200, connectionRequest: 1),
                AccessLine(at: 10.5, method: "GET", target: "/", status: 200, connectionRequest: 1),   // inside the grace
                AccessLine(at: 11, method: "GET", target: "/__health", status: 503, connectionRequest: 1),   // a check
            ], drainStarts: [10.01]),
            HostLog(host: 2),
        ]
        h.stats = [ServerStatus(at: 0, server: "h1", status: "UP"), ServerStatus(at: 10.6, server: "h1", status: "DOWN"),
                   ServerStatus(at: 12.3, server: "h1", status: "UP")]
        h.samples = [[ProcessSample(time: 1, masterAlive: true, children: [])], [], []]
        h.masterMissing = [[], [], []]
        return h
    }

    func status(_ id: String, _ h: FleetHistory) -> Verdict {
        FleetInvariants.judge(h).first { $0.id == id }!
    }

    @Test func cleanHistoryPassesEverything() {
        for v in FleetInvariants.judge(clean()) { #expect(v.status == .pass, "\(v.id): \(v.summary) \(v.evidence)") }
    }

    @Test func aFailedGetFailsAvailability() {
        var h = clean()
        h.requests.append(FleetRequest(method: .get, start: 5, end: 5.2, status: 503, curlCode: 0))
        let v = status("fleet-availability", h)
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("status 503") == true)
        // A failed POST alone does not: it is not retried once sent.
        var p = clean()
        p.requests.append(FleetRequest(method: .post, start: 5, end: 5.2, status: 504, curlCode: 0, requestID: "1-9"))
        #expect(status("fleet-availability", p).status == .pass)
    }

    @Test func aNewConnectionAfterTheGraceFailsDrain() {
        var h = clean()
        h.hostLogs[1].access.append(AccessLine(at: 10.9, method: "GET", target: "/", status: 200, connectionRequest: 1))
        let v = status("drain-respected", h)
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("h1 reported draining") == true)
        // A request on a connection opened before the drain is not a new connection.
        var reused = clean()
        reused.hostLogs[1].access.append(AccessLine(at: 10.9, method: "GET", target: "/", status: 200, connectionRequest: 4))
        #expect(status("drain-respected", reused).status == .pass)
    }

    @Test func aHostThatNeverReportsDrainingIsJudgedFromTheStopSignal() {
        var h = clean()
        h.hostLogs[1].drainStarts = []
        h.hostLogs[1].access.append(AccessLine(at: 11.2, method: "GET", target: "/", status: 200, connectionRequest: 1))
        let v = status("drain-respected", h)
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("never reported draining") == true)
    }

    @Test func aPostTwiceOrMissingFailsAtMostOnce() {
        var twice = clean()
        twice.hostLogs[2].access.append(AccessLine(at: 3.005, method: "POST", target: "/__fault/echo?rid=1-0", status: 200, connectionRequest: 1))
        let v = status("at-most-once-post", twice)
        #expect(v.status == .fail)
        #expect(v.evidence.first == "POST 1-0 handled 2 times, by h0, h2")
        var missing = clean()
        missing.hostLogs[1].access.removeFirst()
        #expect(status("at-most-once-post", missing).evidence.first?.contains("1-1 succeeded") == true)
    }

    @Test func aHostNotBackUpFailsCapacity() {
        var h = clean()
        h.stats.removeLast()
        let v = status("capacity-restored", h)
        #expect(v.status == .fail)
        #expect(v.evidence.first?.contains("HAProxy said DOWN") == true)
        var late = clean()
        late.stats[2].at = 17.5   // 5.5 s after the fault ended
        #expect(status("capacity-restored", late).status == .fail)
        // The next fault on the same host ends the wait: DOWN again because of it is not a violation.
        var next = clean()
        next.faults.append(FleetFault(kind: .hostKill, host: 1, start: 12.1, end: 13))
        next.stats.insert(ServerStatus(at: 12.05, server: "h1", status: "DOWN"), at: 2)
        next.stats[3].at = 12.2
        next.stats.append(ServerStatus(at: 13.5, server: "h1", status: "UP"))
        #expect(status("capacity-restored", next).status == .fail)   // the restart never came back UP before the kill
        next.stats.insert(ServerStatus(at: 12.08, server: "h1", status: "UP"), at: 3)
        #expect(status("capacity-restored", next).status == .pass)
    }

    @Test func aZombieOrAMissingMasterFailsHostProcesses() {
        var h = clean()
        let zombie = ProcessEntry(pid: 50, ppid: 10, pgrp: 10, state: "Z", startTime: 5, comm: "preforkd")
        h.samples[0] = [ProcessSample(time: 1_000_000, masterAlive: true, children: [zombie], masterState: "S"),
                        ProcessSample(time: 2_000_000, masterAlive: true, children: [zombie], masterState: "S")]
        #expect(status("host-processes", h).status == .fail)
        var orphan = clean()
        orphan.faults[0].orphans = ["worker pid=77 comm=preforkd still alive in state S, ppid=1"]
        #expect(status("host-processes", orphan).evidence.first == "h1 after rolling-restart: worker pid=77 comm=preforkd still alive in state S, ppid=1")
        var gone = clean()
        gone.masterMissing[2] = [3.0]
        #expect(status("host-processes", gone).evidence.first?.contains("h2: no live master") == true)
    }
}

import Glibc
import Testing
@testable import Harness

/// Everything that spawns, signals or reaps lives in this one serialized suite:
/// reaping orphans by pid must not race other tests' children.
@Suite(.serialized) struct SpawnTests {
    @Test func sleepIsSignaledWithTerm() throws {
        let p = try SpawnedProcess.spawn("/bin/sleep", ["30"], deadline: 20)
        defer { p.terminateAndReap() }
        #expect(p.wait(timeout: 0.05) == nil)
        #expect(ProcFS.entry(p.pid)?.ppid == getpid())
        #expect(ProcFS.entry(p.pid)?.pgrp == p.pid)   // leads its own group
        p.signal(SIGTERM)
        #expect(p.wait(timeout: 5) == .signaled(SIGTERM))
        #expect(p.wait(timeout: 0) == .signaled(SIGTERM))   // idempotent
        #expect(!ProcFS.exists(p.pid))
    }

    @Test func readyLineFromShell() throws {
        let script = "echo starting; echo preforkd ready pid=$$ url=http://127.0.0.1:5/ workers=2; echo oops >&2; sleep 30"
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", script], deadline: 20)
        defer { p.terminateAndReap() }
        let ready = try p.waitReady(timeout: 10)
        #expect(ready.pid == p.pid)   // sh's $$ is the spawned pid
        #expect(ready.port == 5)
        #expect(ready.workers == 2)
        #expect(waitUntil(timeout: 2) { p.stderrText == "oops\n" })
        p.signal(SIGTERM)
        #expect(p.wait(timeout: 5) == .signaled(SIGTERM))
    }

    @Test func exitCodeIsReported() throws {
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "exit 3"], deadline: 20)
        #expect(p.wait(timeout: 5) == .exited(3))
    }

    @Test func waitReadyFailsWhenProcessExitsFirst() throws {
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "echo no; echo bad config >&2; exit 2"], deadline: 20)
        #expect(throws: HarnessError.self) { try p.waitReady(timeout: 5) }
        #expect(p.wait(timeout: 5) == .exited(2))
    }

    @Test func environmentIsPassed() throws {
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "echo $HARNESS_X"], environment: ["HARNESS_X": "42"], deadline: 20)
        #expect(p.readLine(timeout: 5) == "42")
        #expect(p.wait(timeout: 5) == .exited(0))
    }

    @Test func deadlineKillsTheProcess() throws {
        let p = try SpawnedProcess.spawn("/bin/sleep", ["30"], deadline: 0.3)
        defer { p.terminateAndReap() }
        #expect(p.wait(timeout: 10) == .signaled(SIGKILL))
        #expect(p.deadlineExpired)
    }

    @Test func terminateAndReapLeavesNoProcess() throws {
        // sh with a background grandchild in the same process group.
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "sleep 30 & echo started; sleep 30"], deadline: 20)
        #expect(p.readLine(timeout: 5) == "started")
        var tree: [ProcessEntry] = []
        #expect(waitUntil(timeout: 5) { tree = ProcFS.descendants(of: p.pid); return tree.count == 2 })
        p.terminateAndReap()
        p.terminateAndReap()   // idempotent
        #expect(p.reapedStatus == .signaled(SIGKILL))
        let pids = [p.pid] + tree.map(\.pid)
        // Grandchildren re-parented to init are reaped by init shortly.
        #expect(waitUntil(timeout: 3) { pids.allSatisfy { !ProcFS.exists($0) } })
    }

    @Test func realZombieIsSeenBySamplerAndCheck() throws {
        // sh forks a short sleep, then execs a long sleep that never reaps it.
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "sleep 0.01 & exec sleep 5"], deadline: 20)
        defer { p.terminateAndReap() }
        #expect(waitUntil(timeout: 5) { ProcFS.children(of: p.pid).contains { $0.isZombie } })
        let sampler = ProcessSampler(master: p.pid, interval: 0.01)
        sampler.start()
        sleepSeconds(0.1)
        let samples = sampler.stop()
        #expect(samples.count >= 3)
        #expect(samples.allSatisfy { $0.masterAlive })
        #expect(ZombieCheck.violations(samples).count == 1)
    }

    @Test func samplerSeesMasterDeath() throws {
        let p = try SpawnedProcess.spawn("/bin/sleep", ["30"], deadline: 20)
        let sampler = ProcessSampler(master: p.pid, interval: 0.01)
        sampler.start()
        // A loaded machine may not run the sampler's thread within a fixed
        // sleep: wait for its first look at the live process instead.
        #expect(waitUntil(timeout: 10) { !sampler.snapshot.isEmpty })
        p.terminateAndReap()
        let samples = sampler.stop()   // stop() takes a final look, after the reap
        #expect(samples.first?.masterAlive == true)
        #expect(samples.last?.masterAlive == false)
        #expect(samples.first?.masterFDs != nil)
    }

    @Test func subreaperAdoptsAndReapsOrphans() throws {
        try Subreaper.enable()
        let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "sleep 5 & exit 0"], deadline: 20)
        defer { p.terminateAndReap() }
        #expect(p.wait(timeout: 5) == .exited(0))
        // The orphaned sleep kept sh's process group; that is how we tell it apart.
        let inGroup: (ProcessEntry) -> Bool = { $0.pgrp == p.pid }
        var orphan: ProcessEntry?
        #expect(waitUntil(timeout: 5) { orphan = Subreaper.orphans(excluding: [p.pid], matching: inGroup).first; return orphan != nil })
        let o = try #require(orphan)
        #expect(o.ppid == getpid())
        #expect(o.comm == "sleep")
        #expect(Subreaper.reapOrphans(excluding: [p.pid], matching: inGroup).isEmpty)   // still running
        #expect(!SafeSignal.send(SIGKILL, to: o.pid, expectedStartTime: o.startTime &+ 1))   // wrong identity
        #expect(ProcFS.entry(o.pid)?.isZombie == false)
        #expect(SafeSignal.send(SIGKILL, to: o.pid, expectedStartTime: o.startTime))
        #expect(waitUntil(timeout: 5) { ProcFS.entry(o.pid)?.isZombie == true })
        #expect(Subreaper.reapOrphans(excluding: [p.pid], matching: inGroup) == [o.pid])
        #expect(!ProcFS.exists(o.pid))
    }

    @Test func portsFreeAcceptsRefuses() throws {
        let port = Ports.free()
        #expect(port > 0)
        #expect(Ports.refuses(port: port))
        #expect(!Ports.accepts(port: port))
        let fd = try listenOn(port)
        defer { Sys.close(fd) }
        #expect(Ports.accepts(port: port))
        #expect(!Ports.refuses(port: port))
    }

    @Test func spawnDaemonWaitsForListener() throws {
        // python3 is on the box; a listener that appears after a short delay.
        let script = "import socket,sys,time; time.sleep(0.2); s=socket.socket(); s.bind(('127.0.0.1',int(sys.argv[1]))); s.listen(); time.sleep(30)"
        let d = try spawnDaemon(command: ["python3", "-c", script, "{port}"], deadline: 20, readyTimeout: 10)
        defer { d.process.terminateAndReap() }
        #expect(Ports.accepts(port: d.port))
        #expect(throws: HarnessError.self) { try spawnDaemon(command: ["/bin/sh", "-c", "exit 4"], readyTimeout: 5) }
    }

    func listenOn(_ port: Int) throws -> Int32 {
        let fd = try Sys.tcpSocket()
        try Sys.bind(fd, Ports.loopback(port: port))
        try Sys.listen(fd, backlog: 8)
        return fd
    }
}

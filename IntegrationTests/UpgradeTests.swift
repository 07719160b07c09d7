import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// USR2: the master re-executes the binary at its started path, hands it
    /// the socket, and drains once the new one is ready; a broken or hanging
    /// build is killed and the old master serves on. Process facts come from
    /// /proc and the pid file. This test process is a subreaper, so upgraded
    /// masters (orphaned when their parent exits) are ours to reap, by pid.
    @Suite struct UpgradeTests {
        /// USR2 to `old`; waits for the pid file to name a new master and for
        /// `old` to be gone. Returns the new pid and USR2 -> old-gone in ms.
        static func upgrade(_ d: Daemon, from old: Int32) throws -> (pid: Int32, ms: Double) {
            let start = monotonicNanos()
            kill(old, SIGUSR2)
            var new: Int32 = 0
            let took = waitUntil(timeout: 15, interval: 0.002) {
                guard let p = Upgrades.pidFile(d.pidPath), p != old else { return false }
                new = p
                return true
            }
            try #require(took, "pid file still names \(old) 15 s after USR2; log:\n\(d.logTail())")
            if old == d.master { _ = d.process.wait(timeout: 15) }
            try #require(Upgrades.waitGone(old, timeout: 15), "old master \(old) still there 15 s after USR2; log:\n\(d.logTail())")
            return (new, millis(start, monotonicNanos()))
        }

        static func expectClean(_ records: [RequestRecord], _ what: String) {
            let (failed, indeterminate, resends) = BackgroundLoad.summary(records)
            print("\(what): \(records.count) requests, failed \(failed.count), indeterminate \(indeterminate.count), "
                  + "refused \(records.filter { $0.curlCode == 7 }.count), silent resends \(resends)")
            #expect(records.count > 200, "load too small to prove anything: \(records.count)")
            #expect(failed.isEmpty, "\(failed.count) failed, e.g. \(failed.prefix(3))")
            #expect(indeterminate.isEmpty, "\(indeterminate.count) indeterminate, e.g. \(indeterminate.prefix(3))")
        }

        /// The next request on a fresh connection reaches a worker of `master`.
        static func servedBy(_ d: Daemon, master: Int32) -> Bool {
            guard let r = d.get().response, let pid = r.workerPid else { return false }
            return ProcFS.entry(pid)?.ppid == master
        }

        @Test func twentyUpgradesUnderLoadLoseNothing() throws {
            try Subreaper.enable()
            let d = try Daemon(["--lifetime", "100"], workers: 2)
            var master = d.master
            let group = d.process.pid
            defer { Upgrades.tearDown(d, master: master, group: group) }
            let load = BackgroundLoad(url: d.url)
            load.start()
            var times: [Double] = []
            var starts: [UInt64] = []
            for i in 1...20 {
                starts.append(monotonicNanos())
                let oldWorkers = Upgrades.workers(of: master)
                let (new, ms) = try Self.upgrade(d, from: master)
                times.append(ms)
                #expect(Upgrades.alive(new), "upgrade \(i): the pid file names \(new), which is not running")
                #expect(waitUntil(timeout: 5) { Upgrades.workers(of: new).count == 2 },
                        "upgrade \(i): new master \(new) has \(Upgrades.workers(of: new).count) workers, want 2")
                let leftovers = oldWorkers.filter { Upgrades.alive($0.pid) }
                #expect(leftovers.isEmpty, "upgrade \(i): old workers still alive: \(leftovers.map(\.pid))")
                #expect(ProcFS.entry(new)?.pgrp == group, "upgrade \(i): the new master joins the original process group")
                master = new
            }
            Thread.sleep(forTimeInterval: 0.3)  // load on the last generation too
            let records = load.stop()
            let (median, max) = medianMax(times)
            print("20 upgrades: USR2 -> old master gone median \(Int(median)) ms, max \(Int(max)) ms")
            Self.expectClean(records, "20 USR2 upgrades under load")
            for r in BackgroundLoad.summary(records).indeterminate {
                let usr2 = starts.last { $0 <= r.end } ?? 0
                print("indeterminate: curl \(r.curlCode) reused=\(r.newConnections == 0) resend=\(r.silentResend) "
                      + "started \(Int(millis(usr2, r.start))) ms and ended \(Int(millis(usr2, r.end))) ms after a USR2")
            }
            #expect(d.events("upgrade_ready").count == 20 && d.events("upgrade_failed").isEmpty, "\(d.logTail())")
            #expect(d.events("socket_inherited").count == 20)
            kill(master, SIGTERM)
            #expect(Upgrades.waitGone(master, timeout: 10), "the last master did not stop on TERM")
            #expect(waitUntil(timeout: 5) { Upgrades.liveMembers(group).isEmpty },
                    "left behind after TERM: \(Upgrades.liveMembers(group).map(\.pid))")
            #expect(Upgrades.pidFile(d.pidPath) == nil, "a clean stop removes the pid file")
        }

        /// The started path now holds a script that exits 1: USR2 fails, the
        /// old master serves on, and after the binary is back USR2 works.
        @Test func brokenBuildRollsBackAndTheFixedOneUpgrades() throws {
            try Subreaper.enable()
            let binary = try SwappableBinary()
            defer { binary.remove() }
            let d = try Daemon([], workers: 2, executable: binary.path)
            let group = d.process.pid
            var master = d.master
            defer { Upgrades.tearDown(d, master: master, group: group) }
            let load = BackgroundLoad(url: d.url)
            load.start()
            try binary.replace(withScript: "exit 1")
            kill(master, SIGUSR2)
            try #require(waitUntil(timeout: 10) { !d.events("upgrade_failed").isEmpty }, "no upgrade_failed; log:\n\(d.logTail())")
            #expect(d.events("upgrade_failed").first?["reason"] == "exit:1")
            let failedPid = d.events("upgrade_started").first.flatMap { $0["new_pid"] }.flatMap { Int32($0) } ?? 0
            #expect(failedPid > 0)
            #expect(waitUntil(timeout: 3) { Upgrades.reapGroup(failedPid); return Upgrades.liveMembers(failedPid).isEmpty },
                    "the failed generation left \(Upgrades.liveMembers(failedPid).map(\.pid))")
            #expect(Upgrades.pidFile(d.pidPath) == master, "a failed upgrade keeps the pid file")
            #expect(Upgrades.alive(master) && waitUntil(timeout: 3) { Upgrades.workers(of: master).count == 2 })
            let status = d.get("/__status").response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            #expect(status.contains(#""last_failure":{"reason":"exit:1""#) && status.contains(#""state":"idle""#), "\(status)")
            Thread.sleep(forTimeInterval: 0.3)
            try binary.restore()
            let (new, _) = try Self.upgrade(d, from: master)
            master = new
            #expect(waitUntil(timeout: 5) { Upgrades.workers(of: new).count == 2 })
            #expect(Self.servedBy(d, master: new), "after the fixed upgrade the new generation serves")
            Self.expectClean(load.stop(), "broken build then fixed build under load")
        }

        /// A build that never gets ready (a script that sleeps, with a child of
        /// its own) is killed, group and all, after --upgrade-timeout; a USR2
        /// meanwhile is ignored and logged.
        @Test func neverReadyBuildIsKilledAfterTheUpgradeTimeout() throws {
            try Subreaper.enable()
            let binary = try SwappableBinary()
            defer { binary.remove() }
            let d = try Daemon(["--upgrade-timeout", "1"], workers: 2, executable: binary.path)
            let group = d.process.pid
            let master = d.master
            var hung: Int32 = 0
            defer {
                Upgrades.killGroups([group, hung])
                d.stop()
            }
            let load = BackgroundLoad(url: d.url)
            load.start()
            try binary.replace(withScript: "sleep 30 &\nsleep 30")
            let start = monotonicNanos()
            kill(master, SIGUSR2)
            try #require(waitUntil(timeout: 5) { !d.events("upgrade_started").isEmpty })
            hung = d.events("upgrade_started").first.flatMap { $0["new_pid"] }.flatMap { Int32($0) } ?? 0
            #expect(waitUntil(timeout: 2) { Upgrades.liveMembers(hung).count >= 2 }, "the script and its child run in their own group")
            let status = d.get("/__status").response.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            #expect(status.contains(#""upgrade":{"state":"in_progress","new_pid":\#(hung)}"#), "\(status)")
            kill(master, SIGUSR2)
            #expect(waitUntil(timeout: 2) { d.events("upgrade_ignored").first?["reason"] == "in_progress" },
                    "a USR2 during an upgrade is ignored and logged")
            try #require(waitUntil(timeout: 5) { !d.events("upgrade_failed").isEmpty }, "no rollback; log:\n\(d.logTail())")
            let elapsed = millis(start, monotonicNanos())
            #expect(d.events("upgrade_failed").first?["reason"] == "timeout")
            #expect(elapsed >= 900, "rolled back after \(Int(elapsed)) ms, before the 1 s timeout")
            #expect(waitUntil(timeout: 3) { Upgrades.reapGroup(hung); return Upgrades.liveMembers(hung).isEmpty },
                    "the hung generation left \(Upgrades.liveMembers(hung).map(\.pid)) behind")
            #expect(Upgrades.pidFile(d.pidPath) == master)
            Thread.sleep(forTimeInterval: 0.3)
            Self.expectClean(load.stop(), "never-ready build under load")
            #expect(Self.servedBy(d, master: master))
        }

        /// systemd sees the new master take over: READY=1 + MAINPID=<new>
        /// from it, and no STOPPING=1 from the old one (that would make
        /// systemd stop the service).
        @Test func systemdHearsTheNewMainPidAndNoStop() throws {
            try Subreaper.enable()
            let dir = makeTempDir()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/notify"
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(bound == 0, "bind \(path): errno \(errno)")
            var messages: [String] = []
            func receive(until done: () -> Bool) -> Bool {
                waitUntil(timeout: 10) {
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                        guard n > 0 else { break }
                        messages.append(String(decoding: buffer.prefix(n), as: UTF8.self))
                    }
                    return done()
                }
            }
            var env = ProcessInfo.processInfo.environment
            env["NOTIFY_SOCKET"] = path
            let d = try Daemon([], workers: 2, environment: env)
            let group = d.process.pid
            var master = d.master
            defer { Upgrades.tearDown(d, master: master, group: group) }
            #expect(receive { messages.contains("READY=1\nMAINPID=\(d.master)") }, "\(messages)")
            let (new, _) = try Self.upgrade(d, from: master)
            master = new
            #expect(receive { messages.contains("READY=1\nMAINPID=\(new)") }, "\(messages)")
            #expect(!messages.contains("STOPPING=1"), "the old master told systemd it stops: \(messages)")
            // A real stop of the (new) master does say so.
            kill(new, SIGTERM)
            #expect(receive { messages.contains("STOPPING=1") }, "no STOPPING=1 on TERM after the ready line: \(messages)")
        }

        /// TERM while the new master is starting stops both generations.
        @Test func termDuringAnUpgradeStopsBothGenerations() throws {
            try Subreaper.enable()
            let binary = try SwappableBinary()
            defer { binary.remove() }
            let d = try Daemon(["--upgrade-timeout", "30"], workers: 2, executable: binary.path)
            let group = d.process.pid
            var hung: Int32 = 0
            defer {
                Upgrades.killGroups([group, hung])
                d.stop()
            }
            try binary.replace(withScript: "trap '' TERM\nsleep 30 &\nwait")
            kill(d.master, SIGUSR2)
            try #require(waitUntil(timeout: 5) { !d.events("upgrade_started").isEmpty })
            hung = d.events("upgrade_started").first.flatMap { $0["new_pid"] }.flatMap { Int32($0) } ?? 0
            #expect(waitUntil(timeout: 2) { Upgrades.liveMembers(hung).count >= 2 })
            d.process.signal(SIGTERM)
            // The script ignores TERM: the old master KILLs it after --graceful-timeout (3 s).
            let status = d.process.wait(timeout: 10)
            #expect(status == .exited(0), "old master: \(String(describing: status)); log:\n\(d.logTail())")
            #expect(waitUntil(timeout: 2) { Upgrades.reapGroup(hung); return Upgrades.liveMembers(hung).isEmpty },
                    "left behind: \(Upgrades.liveMembers(hung).map(\.pid))")
            #expect(Upgrades.liveMembers(group).isEmpty)
        }
    }
}

import Curl
import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// The test holds a listening socket and passes it as fd 3 with
    /// LISTEN_FDS/LISTEN_PID, as systemd does. Because the holder keeps it
    /// listening, connections made while no daemon runs wait in its backlog
    /// and the next daemon answers them: none is refused.
    @Suite struct SocketActivationTests {
        /// Requests started now, on fresh connections, answered whenever a daemon comes.
        final class Pending: @unchecked Sendable {   // results handed over under the semaphore
            private let done = DispatchSemaphore(value: 0)
            private let results = Locked<[Result<HTTPResult, CurlError>]>([])
            let count: Int

            init(url: String, count: Int) {
                self.count = count
                for _ in 0..<count {
                    Thread { [self] in
                        let r = curlGet(url, timeout: 20)
                        results.withLock { $0.append(r) }
                        done.signal()
                    }.start()
                }
            }

            func wait() -> [Result<HTTPResult, CurlError>] {
                for _ in 0..<count { done.wait() }
                return results.withLock { $0 }
            }
        }

        @Test func servesTheHeldSocketAndQueuesConnectionsWhileNothingRuns() throws {
            try Subreaper.enable()
            let (fd, port) = try Ports.listen(backlog: 128)
            defer { close(fd) }
            let url = "http://127.0.0.1:\(port)/"

            let first = try Daemon([], workers: 2, listenFD: fd)
            #expect(first.port == port, "the ready line names the inherited socket: \(first.url)")
            #expect(first.events("socket_inherited").first?["fd"] == "3", "\(first.logTail())")
            #expect(first.events("socket_inherited").first?["addr"] == "127.0.0.1:\(port)")
            #expect(first.get().response?.status == 200)

            // 1. TERM: a clean stop must not shut the socket down.
            first.process.signal(SIGTERM)
            #expect(first.process.wait(timeout: 10) == .exited(0))
            #expect(waitUntil(timeout: 5) { Upgrades.liveMembers(first.process.pid).isEmpty })
            let afterTerm = Pending(url: url, count: 8)
            Thread.sleep(forTimeInterval: 0.3)   // they connect and wait in the held socket's backlog
            let second = try Daemon([], workers: 2, listenFD: fd)
            let answeredAfterTerm = afterTerm.wait()
            #expect(answeredAfterTerm.allSatisfy { $0.response?.status == 200 },
                    "after TERM: \(answeredAfterTerm.map(\.summary))")

            // 2. SIGKILL of the master: its workers drain on their own.
            second.process.signal(SIGKILL)
            _ = second.process.wait(timeout: 5)
            #expect(waitUntil(timeout: 10) { Upgrades.liveMembers(second.process.pid).isEmpty })
            let afterKill = Pending(url: url, count: 8)
            Thread.sleep(forTimeInterval: 0.3)
            let third = try Daemon([], workers: 2, listenFD: fd)
            defer { third.stop() }
            let answeredAfterKill = afterKill.wait()
            #expect(answeredAfterKill.allSatisfy { $0.response?.status == 200 },
                    "after SIGKILL: \(answeredAfterKill.map(\.summary))")
            #expect(Set(answeredAfterKill.compactMap { $0.response?.workerPid }.map { ProcFS.entry($0)?.ppid })
                    == [third.master], "the next daemon answered them")
            second.stop()
            first.stop()
        }

        @Test func refusesADescriptorThatIsNotListening() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            let p = try SpawnedProcess.spawn("/bin/sh", ["-c", "LISTEN_FDS=1 LISTEN_PID=$$ exec \"$0\" --port 0", PreforkdBinary.path],
                                             deadline: 20, listenFD: fd)
            #expect(p.wait(timeout: 10) == .exited(1))
            let lines = p.stderrText.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.contains("not a listening socket") == true, "stderr: \(p.stderrText)")
        }
    }
}

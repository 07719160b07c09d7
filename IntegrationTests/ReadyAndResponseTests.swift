import Curl
import Foundation
import Harness
import Testing

extension Integration {
    /// The ready line, the seed's response with the worker headers, HEAD, /__status.
    @Suite struct ReadyAndResponseTests {
        @Test func readyLineAndSeedResponse() throws {
            let d = try Daemon([], workers: 3)
            defer { d.stop() }
            #expect(d.ready.pid == d.process.pid, "ready line pid \(d.ready.pid) is not the spawned master \(d.process.pid)")
            #expect(d.ready.workers == 3 && d.ready.host == "127.0.0.1" && d.url == "http://127.0.0.1:\(d.port)/")
            #expect(d.workers().count == 3, "/proc children: \(d.workers())")

            let r = try d.get("/").get()
            #expect(r.status == 200)
            let pid = try #require(r.workerPid, "no X-Worker-Pid in \(r.headers)")
            let served = try #require(r.workerServed, "no X-Worker-Served in \(r.headers)")
            let slot = try #require(r.workerSlot, "no X-Worker-Slot in \(r.headers)")
            let entry = try #require(ProcFS.entry(pid), "X-Worker-Pid \(pid) is not in /proc")
            #expect(entry.ppid == d.master, "worker \(pid) has ppid \(entry.ppid), master is \(d.master)")
            #expect(served == 1, "first request on a fresh worker should be served=1, got \(served)")
            #expect((0..<3).contains(slot))
            #expect(r.bodyText == "This child has served \(served) requests.\n", "body: \(r.bodyText.debugDescription)")
        }

        /// Sequential requests on fresh connections rotate over the idle
        /// workers (as with the seed's blocking accept), not one favourite.
        @Test func freshConnectionsRotateOverIdleWorkers() throws {
            let d = try Daemon([], workers: 3)
            defer { d.stop() }
            var pids: [Int32] = []
            for _ in 0..<9 {
                let r = try curlGet(d.url, headers: ["Connection: close"]).get()
                pids.append(try #require(r.workerPid, "no X-Worker-Pid"))
            }
            #expect(Set(pids).count == 3, "9 sequential connections went to \(Set(pids).count) of 3 workers: \(pids)")
        }

        @Test func headHasNoBody() throws {
            let d = try Daemon([])
            defer { d.stop() }
            let r = try d.get("/", method: "HEAD").get()
            #expect(r.status == 200)
            #expect(r.body.isEmpty, "HEAD returned \(r.body.count) body bytes")
            #expect(r.workerPid != nil && r.workerServed != nil)
            // Content-Length names the GET body's size (RFC 9110 9.3.2).
            let length = Int(r.header("Content-Length") ?? "")
            #expect(length == "This child has served \(r.workerServed ?? 0) requests.\n".utf8.count, "\(r.headers)")
        }

        @Test func statusPageListsEveryWorker() throws {
            let d = try Daemon([], workers: 3)
            defer { d.stop() }
            let r = try d.get("/__status").get()
            #expect(r.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], "\(r.bodyText)")
            #expect(json["master_pid"] as? Int == Int(d.master), "\(r.bodyText)")
            let workers = try #require(json["workers"] as? [[String: Any]], "\(r.bodyText)")
            let live = Set(d.workers().map { Int($0.pid) })
            let listed = Set(workers.compactMap { $0["pid"] as? Int })
            #expect(workers.count == 3 && listed == live, "status lists \(listed), /proc has \(live)")
            let counters = try #require(json["counters"] as? [String: Any], "\(r.bodyText)")
            for key in ["spawned", "retired", "crashed", "killed_by_timeout"] {
                #expect(counters[key] is Int, "counter \(key) missing: \(counters)")
            }
        }
    }
}

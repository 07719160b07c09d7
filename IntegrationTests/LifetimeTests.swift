import Curl
import Harness
import Testing

extension Integration {
    /// Lifetime rollover, exact: per worker served runs 1...k, k <= budget,
    /// the last says Connection: close, and a retired pid never answers again.
    @Suite struct LifetimeTests {
        enum Mode: String, CaseIterable, CustomTestStringConvertible {
            case connectionPerRequest, keepAlive
            var testDescription: String { rawValue }
        }

        /// 60 sequential requests; every one must succeed.
        func run(_ d: Daemon, mode: Mode, count: Int = 60) -> [ServedRecord] {
            let client = CurlClient()
            var records: [ServedRecord] = []
            for i in 0..<count {
                let request = CurlRequest(url: d.url, timeout: 5, freshConnection: mode == .connectionPerRequest,
                                          forbidReuse: mode == .connectionPerRequest)
                switch client.perform(request) {
                case .success(let r):
                    guard let pid = r.workerPid, let served = r.workerServed, r.status == 200 else {
                        Issue.record("request \(i): status \(r.status) without worker headers: \(r.headers)")
                        continue
                    }
                    records.append(ServedRecord(pid: pid, served: served, connectionClose: r.connectionClose))
                case .failure(let e):
                    Issue.record("request \(i) failed: \(e)\n\(d.logTail())")
                }
            }
            return records
        }

        @Test(arguments: Mode.allCases)
        func rolloverIsExact(mode: Mode) throws {
            let d = try Daemon(["--lifetime", "3"], workers: 2)
            defer { d.stop() }
            let records = run(d, mode: mode)
            #expect(records.count == 60)
            let v = LifetimeCheck.violations(records, budget: .init(maximum: 3, exact: true, sequential: true))
            #expect(v.isEmpty, "lifetime violations:\n\(v.joined(separator: "\n"))")
            // 60 sequential requests on budget 3: at least 18 workers served a full budget.
            let retired = Set(records.filter { $0.served == 3 }.map(\.pid))
            #expect(retired.count >= 18, "only \(retired.count) workers retired")
            // Retired workers are gone (reaped by the master), not lingering as children.
            let gone = waitUntil(timeout: 3) {
                retired.allSatisfy { pid in ProcFS.entry(pid).map { $0.ppid != d.master } ?? true }
            }
            let left = retired.compactMap(ProcFS.entry).filter { $0.ppid == d.master }
            #expect(gone, "retired workers still children of the master: \(left)")
            #expect(d.waitForWorkers(2), "after rollover /proc shows \(d.workers().count) workers, expected 2")
            print("lifetime \(mode.rawValue): \(records.count) responses from \(Set(records.map(\.pid)).count) workers")
        }

        @Test func jitterKeepsCountsWithinBounds() throws {
            let d = try Daemon(["--lifetime", "5", "--lifetime-jitter", "3"], workers: 2)
            defer { d.stop() }
            let records = run(d, mode: .keepAlive)
            #expect(records.count == 60)
            let v = LifetimeCheck.violations(records, budget: .init(maximum: 8, exact: false, sequential: true))
            #expect(v.isEmpty, "lifetime violations:\n\(v.joined(separator: "\n"))")
            // Every worker that retired served its budget's last response with Connection: close, within 5...8.
            let lasts = records.filter(\.connectionClose).map(\.served)
            #expect(!lasts.isEmpty && lasts.allSatisfy { (5...8).contains($0) }, "closing counts \(lasts)")
        }
    }
}

import Testing
@testable import Chaos

/// The timeline's numbers, the HTML page's structure (without a browser) and
/// the SLO verdict rows, on the synthetic histories of Fixtures.swift.
@Suite struct HTMLReportTests {
    func report(_ h: History, slo: SLOThresholds = SLOThresholds()) -> ChaosReport {
        var config = ChaosConfig()
        config.slo = slo
        var r = ChaosReport(history: h, verdicts: Invariants.judge(h), config: config, reproduce: "chaos-run --seed 7")
        r.timeSeries = Timeline(history: h)
        r.verdicts += slo.judge(r)
        return r
    }

    /// Worker 13's slot is never refilled: respawn FAILs with a timed violation.
    func brokenRespawn() -> History {
        var h = HistoryBuilder.clean().history
        for i in h.samples.indices { h.samples[i].children.removeAll { $0.pid == 14 } }
        return h
    }

    func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    @Test func timelineBucketsCountLoadFaultsAndWorkers() {
        let h = HistoryBuilder.clean().history
        let tl = Timeline(history: h)
        #expect(tl.bucketSeconds == 0.1)
        #expect(tl.buckets.count == 26)   // samples run to 2590 ms
        #expect(tl.buckets.map(\.ok).reduce(0, +) == 154)   // 180 less the 26 the stopped worker 11 never answered
        #expect(tl.buckets.map(\.ok).reduce(0, +) == h.loadRequests.filter { $0.outcome == .ok }.count)
        #expect(tl.buckets.map(\.failed).reduce(0, +) == 1)
        #expect(tl.buckets[5].failed == 1)          // the request broken by the kill at 500 ms
        #expect(tl.buckets[0].ok == 10)             // one request per 10 ms
        #expect(tl.buckets[0].p50ms == 3)           // each takes 3 ms
        #expect(tl.buckets[0].workersAlive == 3)
        #expect(tl.buckets[25].workersAlive == 0)   // the master is gone at 2200 ms
        #expect(tl.faults.map(\.kind) == ["kill", "stop"])
        #expect(tl.faults[0].start == 0.5 && tl.faults[0].victimPid == 13 && tl.faults[0].victimSlot == 2)
        #expect(tl.planned.isEmpty)                 // both deaths were the faults' victims
        #expect(tl.supervisionEnd == 2.0)
    }

    @Test func deathNoFaultExplainsIsAPlannedRetirement() {
        var h = HistoryBuilder.clean().history
        for i in h.samples.indices where h.samples[i].time >= t(1500) && h.samples[i].masterAlive {
            h.samples[i].children.removeAll { $0.pid == 12 }
            h.samples[i].children.append(worker(16))
        }
        let tl = Timeline(history: h)
        #expect(tl.planned.count == 1)
        #expect(tl.planned.first?.pid == 12 && tl.planned.first?.kind == "retirement")
        #expect(tl.planned.first.map { abs($0.time - 1.5) < 0.001 } == true)
    }

    @Test func evidenceTimesAreParsed() {
        #expect(Timeline.times(in: "t=0.510s worker pid=13 died; until at least t=1.010s") == [0.51, 1.01])
        #expect(Timeline.times(in: "no time here, t=abc") == [])
    }

    @Test func passingPageHasEverySeriesOneMarkerPerFaultAndAVerdictRowEach() {
        let r = report(HistoryBuilder.clean().history)
        let page = r.renderHTML()
        for series in ["throughput", "error-rate", "p50", "p99", "workers"] {
            #expect(count("data-series=\"\(series)\"", in: page) == 1, "series \(series)")
        }
        #expect(count("<svg class=\"chart", in: page) == 5)   // four charts and the fault lane
        #expect(count("<g class=\"fault\"", in: page) == r.faults.count)
        #expect(count("<g class=\"fault\" data-kind=\"kill\"", in: page) == 1)
        #expect(page.contains("victim pid 13, slot 2"))
        #expect(count("<tr class=\"verdict ", in: page) == r.verdicts.count)
        for v in r.verdicts {
            #expect(page.contains("<tr class=\"verdict \(v.status.rawValue.lowercased())\" id=\"verdict-\(v.id)\">"))
        }
        #expect(!page.contains("verdict fail"))
        #expect(!page.contains("class=\"violation\" id="))
        #expect(page.contains("chaos-run --seed 7"))
        #expect(page.contains("seed <b>\(r.seed)</b>"))
        // Self-contained: nothing fetched from anywhere.
        for external in ["src=", "<link", "http://", "https://", "@import", "url("] {
            #expect(!page.contains(external), "page references \(external)")
        }
    }

    @Test func failingPageLinksEachViolationToItsMarker() {
        let r = report(brokenRespawn())
        #expect(r.verdict("respawn")?.status == .fail)
        let page = r.renderHTML()
        #expect(page.contains("<tr class=\"verdict fail\" id=\"verdict-respawn\">"))
        #expect(page.contains("<g class=\"violation\" id=\"violation-0\" data-verdict=\"respawn\">"))
        #expect(page.contains("<a href=\"#violation-0\""))
        let markers = count("<g class=\"violation\"", in: page)
        #expect(markers >= 1 && markers == count("<a href=\"#violation-", in: page))
        #expect(page.contains("badge fail\">FAIL</span> <small>"))
    }

    @Test func sloRowsPassFailAndSkip() {
        let h = HistoryBuilder.clean().history
        let lenient = report(h, slo: SLOThresholds(maxLostPerDeath: 5, maxRespawnP99: 1, minRPS: 1, maxP99ms: 1000))
        #expect(lenient.verdicts.filter { $0.id.hasPrefix("slo-") }.map(\.status) == [.pass, .pass, .pass, .pass])
        #expect(lenient.exitCode == 0)
        let strict = report(h, slo: SLOThresholds(minRPS: 1_000_000, maxP99ms: 0.5))
        #expect(strict.verdict("slo-min-rps")?.status == .fail)
        #expect(strict.verdict("slo-p99-ms")?.status == .fail)
        #expect(strict.verdict("slo-lost-per-death") == nil)   // unset thresholds add no row
        #expect(strict.exitCode == 1)
        var noLoad = h
        noLoad.requests.removeAll { $0.source == .load }
        let skipped = report(noLoad, slo: SLOThresholds(maxLostPerDeath: 1, minRPS: 1))
        #expect(skipped.verdict("slo-lost-per-death")?.status == .skip)
        #expect(skipped.verdict("slo-min-rps")?.status == .skip)
        #expect(SLOThresholds().judge(lenient).isEmpty)
    }
}

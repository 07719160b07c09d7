import Foundation

/// The HTML report: one self-contained page (no network, no external script,
/// style or font) with the run's timeline as inline SVG in the style of
/// Jepsen's perf graphs, the verdict table linked to the timeline, the seed
/// and the reproduce command. Hover text is SVG `<title>` (the browser's own
/// tooltip); a few lines of inline JS add a cursor readout per 100 ms bucket.
extension ChaosReport {
    /// The page, from the report alone (`timeSeries` must be set; without it
    /// the page has the tables but no charts).
    public func renderHTML() -> String {
        var page = HTMLPage(report: self)
        return page.render()
    }

    /// Writes the page to `path`, creating its directory.
    public func writeHTML(to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Data(renderHTML().utf8).write(to: URL(fileURLWithPath: path))
    }

    /// `x.json` -> `x.html`: the default place of the page, next to the JSON report.
    public static func htmlPath(besideJSON json: String) -> String {
        (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".html"
    }
}

/// Builds the page; one method per section.
struct HTMLPage {
    let report: ChaosReport
    let timeline: Timeline?
    /// Violation markers: verdict id, evidence line, time (s).
    let violations: [(verdict: String, evidence: String, time: Double)]
    var out = ""

    init(report: ChaosReport) {
        self.report = report
        timeline = report.timeSeries
        var v: [(String, String, Double)] = []
        for verdict in report.verdicts where verdict.status == .fail {
            for e in verdict.evidence { if let t = Timeline.times(in: e).first { v.append((verdict.id, e, t)) } }
        }
        violations = v
    }

    mutating func render() -> String {
        let r = report
        out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        out += "<title>chaos-run \(esc(r.closingLine)) seed \(r.seed)</title>\n<style>\(Self.css)</style></head>\n<body>\n"
        let verdictClass = r.failed > 0 ? "fail" : "pass"
        out += "<h1>chaos-run <span class=\"badge \(verdictClass)\">\(r.failed > 0 ? "FAIL" : "PASS")</span> "
            + "<small>\(esc(r.closingLine))</small></h1>\n"
        out += "<p class=\"meta\">seed <b>\(r.seed)</b>"
            + (r.scenario.map { " · scenario <b>\(esc($0))</b>" } ?? "")
            + (r.shutdownSignal.map { " · shutdown SIG\(esc($0))" } ?? "")
            + (r.workers.map { " · \($0) workers" } ?? "")
            + " · \(fmt(r.duration, 1)) s · \(r.faultsInjected) faults · \(Int(r.requestsPerSecond.rounded())) req/s</p>\n"
        out += "<p class=\"meta\">target: <code>\(esc(r.command.joined(separator: " ")))</code></p>\n"
        out += "<h2>Reproduce</h2>\n<pre id=\"reproduce\">\(esc(r.reproduce))</pre>\n"
        if let t = timeline { charts(t) } else { out += "<p>(no timeline recorded)</p>\n" }
        verdictTable()
        numbers()
        if let t = timeline { out += "<script type=\"application/json\" id=\"buckets\">\(bucketJSON(t))</script>\n" }
        out += "<script>\(Self.js)</script>\n</body></html>\n"
        return out
    }

    // MARK: charts

    static let width = 1100.0, left = 64.0, right = 16.0, top = 8.0, bottom = 22.0
    var plotWidth: Double { Self.width - Self.left - Self.right }

    func x(_ t: Double, _ tl: Timeline) -> Double { Self.left + max(0, min(t, tl.span)) / max(tl.span, 0.001) * plotWidth }

    mutating func charts(_ t: Timeline) {
        out += "<h2>Timeline <small>(\(Int((t.bucketSeconds * 1000).rounded())) ms buckets; hover for details)</small></h2>\n"
        legend(t)
        out += "<div id=\"charts\">\n"
        let rps = t.buckets.map { Double($0.ok) / t.bucketSeconds }
        let err = t.buckets.map { $0.errorRate * 100 }
        let p50 = t.buckets.map(\.p50ms), p99 = t.buckets.map(\.p99ms)
        let alive = t.buckets.map { $0.workersAlive.map(Double.init) }
        panel(t, id: "throughput", title: "throughput (ok req/s)", height: 150,
              series: [("throughput", rps.map(Optional.some), "#1f77b4")], yMax: niceMax(rps.max() ?? 0))
        panel(t, id: "errors", title: "error rate (% of requests failed)", height: 110,
              series: [("error-rate", err.map(Optional.some), "#d62728")], yMax: niceMax(max(1, err.max() ?? 0)))
        panel(t, id: "latency", title: "latency ms (p50, p99)", height: 150,
              series: [("p50", p50.map(Optional.some), "#2ca02c"), ("p99", p99.map(Optional.some), "#ff7f0e")],
              yMax: niceMax(p99.max() ?? 0))
        let workersMax = Double(max(alive.compactMap { $0 }.max() ?? 0, 1)) + 1
        panel(t, id: "workers", title: "workers alive (/proc)", height: 110,
              series: [("workers", alive, "#555")], yMax: workersMax, step: true)
        faultLane(t)
        out += "</div>\n"
    }

    mutating func legend(_ t: Timeline) {
        var kinds: [String] = []
        for f in t.faults where !kinds.contains(f.kind) { kinds.append(f.kind) }
        out += "<p class=\"legend\">"
        for k in kinds { out += "<span><i style=\"background:\(Self.color(k))\"></i>\(esc(k))</span>" }
        out += "<span><i class=\"planned\"></i>planned (retirement)</span>"
        out += "<span><i class=\"violation\"></i>invariant violation</span>"
        out += "<span><i class=\"stop\"></i>shutdown signal</span></p>\n"
    }

    /// One chart: axes, fault bands, planned-event lines, then the series.
    mutating func panel(_ t: Timeline, id: String, title: String, height: Double,
                        series: [(name: String, values: [Double?], color: String)], yMax: Double, step: Bool = false) {
        let h = height, plotH = h - Self.top - Self.bottom
        func y(_ v: Double) -> Double { Self.top + plotH - min(max(v, 0), yMax) / max(yMax, 1e-9) * plotH }
        out += "<svg class=\"chart\" data-chart=\"\(id)\" viewBox=\"0 0 \(Self.width) \(h)\" width=\"\(Int(Self.width))\" "
            + "height=\"\(Int(h))\">\n"
        out += "<text class=\"ctitle\" x=\"\(Self.left + 4)\" y=\"\(Self.top + 12)\">\(esc(title))</text>\n"
        // y grid: 0, half, max
        for f in [0.0, 0.5, 1.0] {
            let v = yMax * f, yy = y(v)
            out += "<line class=\"grid\" x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\"\(r1(yy))\" y2=\"\(r1(yy))\"/>"
            out += "<text class=\"ylab\" x=\"\(Self.left - 4)\" y=\"\(r1(yy + 4))\">\(axisLabel(v))</text>\n"
        }
        xAxis(t, y0: Self.top + plotH)
        for f in t.faults where f.applied {
            let x0 = x(f.start, t), x1 = max(x(f.end ?? f.start, t), x0 + 2)
            out += "<rect class=\"fault-band\" data-kind=\"\(esc(f.kind))\" x=\"\(r1(x0))\" y=\"\(Self.top)\" "
                + "width=\"\(r1(x1 - x0))\" height=\"\(r1(plotH))\" fill=\"\(Self.color(f.kind))\">"
                + "<title>\(esc(faultText(f)))</title></rect>\n"
        }
        if id == "workers" && t.planned.count <= 60 {   // more would hide the line; the lane shows them all
            for e in t.planned {
                let xx = r1(x(e.time, t))
                out += "<line class=\"planned-line\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(Self.top)\" y2=\"\(r1(Self.top + plotH))\">"
                    + "<title>\(esc(plannedText(e)))</title></line>\n"
            }
        }
        if let end = t.supervisionEnd {
            let xx = r1(x(end, t))
            // After the stop signal refusals are expected: shaded, not judged.
            out += "<rect class=\"after-stop\" x=\"\(xx)\" y=\"\(Self.top)\" width=\"\(r1(Self.width - Self.right - xx))\" "
                + "height=\"\(r1(plotH))\"><title>after the shutdown signal: not judged</title></rect>\n"
            out += "<line class=\"stop-line\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(Self.top)\" y2=\"\(r1(Self.top + plotH))\">"
                + "<title>shutdown signal at t=\(fmt(end, 3))s</title></line>\n"
        }
        for s in series {
            var d = "", pen = false, lastY = 0.0
            for (i, v) in s.values.enumerated() {
                // A step series (workers) holds its last sample through buckets without one.
                guard let v else { if !step { pen = false }; continue }
                let xx = x(t.buckets[i].t, t), yy = y(v)
                if !pen { d += "M\(r1(xx)) \(r1(yy))"; pen = true }
                else if step { d += "H\(r1(xx))V\(r1(yy))" }
                else { d += "L\(r1(xx)) \(r1(yy))" }
                lastY = yy
            }
            if step, pen { d += "H\(r1(x(t.span, t)))V\(r1(lastY))" }
            out += "<path class=\"series\" data-series=\"\(s.name)\" d=\"\(d)\" stroke=\"\(s.color)\"/>\n"
        }
        if series.count > 1 {
            var lx = Self.width - Self.right - 120
            for s in series {
                out += "<text class=\"slab\" x=\"\(lx)\" y=\"\(Self.top + 12)\" fill=\"\(s.color)\">— \(s.name)</text>"
                lx += 60
            }
            out += "\n"
        }
        out += "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"\(Self.top)\" y2=\"\(r1(Self.top + plotH))\"/>\n</svg>\n"
    }

    /// The lane under the charts: one marker per fault (hollow when it could
    /// not be applied), planned events on their own row, violations on a third.
    mutating func faultLane(_ t: Timeline) {
        let h = 84.0, rowF = 18.0, rowP = 44.0, rowV = 66.0
        out += "<svg class=\"chart lane\" data-chart=\"faults\" viewBox=\"0 0 \(Self.width) \(h)\" width=\"\(Int(Self.width))\" "
            + "height=\"\(Int(h))\">\n"
        for (label, yy) in [("faults", rowF), ("planned", rowP), ("violations", rowV)] {
            out += "<text class=\"ylab\" x=\"\(Self.left - 4)\" y=\"\(yy + 4)\">\(label)</text>"
            out += "<line class=\"grid\" x1=\"\(Self.left)\" x2=\"\(Self.width - Self.right)\" y1=\"\(yy)\" y2=\"\(yy)\"/>\n"
        }
        for f in t.faults {
            let x0 = x(f.start, t), x1 = max(x(f.end ?? f.start, t), x0 + 3)
            out += "<g class=\"fault\" data-kind=\"\(esc(f.kind))\" data-index=\"\(f.index)\" data-applied=\"\(f.applied)\">"
                + "<title>\(esc(faultText(f)))</title>"
            if f.applied {
                out += "<rect x=\"\(r1(x0 - 1.5))\" y=\"\(rowF - 8)\" width=\"\(r1(x1 - x0 + 1.5))\" height=\"16\" "
                    + "fill=\"\(Self.color(f.kind))\"/>"
            } else {
                out += "<rect x=\"\(r1(x0 - 1.5))\" y=\"\(rowF - 8)\" width=\"3\" height=\"16\" fill=\"none\" "
                    + "stroke=\"\(Self.color(f.kind))\"/>"
            }
            out += "</g>\n"
        }
        for e in t.planned {
            let xx = r1(x(e.time, t))
            out += "<g class=\"planned\" data-kind=\"\(esc(e.kind))\"><title>\(esc(plannedText(e)))</title>"
                + "<line x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(rowP - 8)\" y2=\"\(rowP + 8)\"/></g>\n"
        }
        for (i, v) in violations.enumerated() {
            let xx = x(v.time, t)
            out += "<g class=\"violation\" id=\"violation-\(i)\" data-verdict=\"\(esc(v.verdict))\">"
                + "<title>\(esc(v.verdict)): \(esc(v.evidence))</title>"
                + "<path d=\"M\(r1(xx - 6)) \(rowV - 8)L\(r1(xx + 6)) \(rowV - 8)L\(r1(xx)) \(rowV + 6)Z\"/></g>\n"
        }
        xAxis(t, y0: h - Self.bottom + 4)
        out += "</svg>\n"
    }

    /// Ticks at 1, 2, 5, 10... s so that about ten fit.
    mutating func xAxis(_ t: Timeline, y0: Double) {
        let raw = max(t.span / 10, 0.1)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var s = 0.0
        while s <= t.span + 1e-9 {
            let xx = r1(x(s, t))
            out += "<line class=\"tick\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(r1(y0))\" y2=\"\(r1(y0 + 4))\"/>"
                + "<text class=\"xlab\" x=\"\(xx)\" y=\"\(r1(y0 + 15))\">\(axisLabel(s))s</text>"
            s += step
        }
        out += "\n"
    }

    func faultText(_ f: TimelineFault) -> String {
        var s = "#\(f.index) \(f.kind) at t=\(fmt(f.start, 3))s"
        if let e = f.end { s += " until t=\(fmt(e, 3))s" }
        if let p = f.victimPid { s += "; victim pid \(p)" }
        if let slot = f.victimSlot { s += ", slot \(slot)" }
        return s + "; " + f.outcome
    }

    func plannedText(_ e: TimelineEvent) -> String { "\(e.kind) (planned): worker pid \(e.pid) exited at t=\(fmt(e.time, 3))s" }

    // MARK: tables

    mutating func verdictTable() {
        out += "<h2>Invariants</h2>\n<table class=\"verdicts\"><tr><th>invariant</th><th>result</th><th>summary</th>"
            + "<th>evidence</th></tr>\n"
        var marker = 0
        for v in report.verdicts {
            let cls = v.status.rawValue.lowercased()
            out += "<tr class=\"verdict \(cls)\" id=\"verdict-\(esc(v.id))\"><td>\(esc(v.id))</td>"
                + "<td><span class=\"badge \(cls)\">\(v.status.rawValue)</span></td><td>\(esc(v.summary))</td><td>"
            if !v.evidence.isEmpty {
                out += "<ul>"
                for e in v.evidence {
                    if v.status == .fail, marker < violations.count, violations[marker].evidence == e,
                       violations[marker].verdict == v.id {
                        out += "<li><a href=\"#violation-\(marker)\" data-t=\"\(violations[marker].time)\">"
                            + "t=\(fmt(violations[marker].time, 3))s ▶</a> \(esc(e))</li>"
                        marker += 1
                    } else {
                        out += "<li>\(esc(e))</li>"
                    }
                }
                out += "</ul>"
            }
            out += "</td></tr>\n"
        }
        out += "</table>\n"
    }

    mutating func numbers() {
        let r = report
        out += "<h2>Numbers</h2>\n<table class=\"numbers\">"
        let total = r.outcomes.values.reduce(0, +)
        out += "<tr><th>requests</th><td>\(total) (\(fmt(r.requestsPerSecond, 0)) req/s); "
            + esc(r.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            + "; silent resends \(r.silentResends); \(r.afterShutdown) after the stop signal</td></tr>"
        for (name, l) in [("latency steady", r.steadyLatency), ("latency in fault windows", r.faultLatency)] {
            out += "<tr><th>\(name)</th><td>\(l.count) requests: p50 \(fmt(l.p50ms, 2)) · p90 \(fmt(l.p90ms, 2)) · "
                + "p99 \(fmt(l.p99ms, 2)) · p99.9 \(fmt(l.p999ms, 2)) · max \(fmt(l.maxms, 2)) ms</td></tr>"
        }
        out += "<tr><th>faults</th><td>\(r.faultsInjected) applied: "
            + esc(r.faultCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            + "</td></tr>"
        out += "<tr><th>curl codes</th><td>"
            + esc(r.curlCodes.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { "\($0.key): \($0.value)" }
                .joined(separator: ", ")) + "</td></tr></table>\n"
    }

    /// [t, okPerSecond, errorPercent, p50, p99, workers] per bucket, for the cursor readout.
    func bucketJSON(_ t: Timeline) -> String {
        "{\"step\":\(t.bucketSeconds),\"span\":\(t.span),\"left\":\(Self.left),\"plot\":\(plotWidth),\"b\":["
            + t.buckets.map { b in
                "[\(r1(b.t * 10) / 10),\(Int((Double(b.ok) / t.bucketSeconds).rounded())),\(r1(b.errorRate * 100)),"
                    + "\(r1(b.p50ms)),\(r1(b.p99ms)),\(b.workersAlive.map(String.init) ?? "null")]"
            }.joined(separator: ",") + "]}"
    }

    // MARK: helpers

    func esc(_ s: String) -> String { xmlEscape(s) }
    func r1(_ v: Double) -> Double { (v * 10).rounded() / 10 }

    func axisLabel(_ v: Double) -> String {
        if v >= 10_000 { return "\(Int((v / 1000).rounded()))k" }
        if v >= 100 || v == v.rounded() { return "\(Int(v.rounded()))" }
        return fmt(v, 1)
    }

    /// 1, 2, 5 x 10^k at or above `v` (at least 1).
    func niceMax(_ v: Double) -> Double {
        guard v > 1 else { return 1 }
        let mag = pow(10, floor(log10(v)))
        return [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= v } ?? v
    }

    /// A fixed colour per known fault kind; kinds added later get one from a palette.
    static func color(_ kind: String) -> String {
        let known: [String: String] = [
            "kill": "#d62728", "stop": "#9467bd", "crash": "#e377c2", "hang": "#8c564b",
            "signal-storm": "#ff7f0e", "slowloris": "#17becf", "malformed": "#bcbd22",
            "master-kill": "#222222", "boot-fail": "#7f7f7f",
        ]
        if let c = known[kind] { return c }
        let palette = ["#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354"]
        let h = kind.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xffff }
        return palette[h % palette.count]
    }

    static let css = """
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:20px 28px;color:#222;max-width:1140px}
        h1{font-size:22px;margin:0 0 6px}h1 small{font-weight:normal;color:#555;font-size:15px}
        h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}h2 small{font-weight:normal;color:#777}
        .meta{margin:2px 0;color:#444}code,pre{font:12px ui-monospace,Menlo,Consolas,monospace}
        pre{background:#f5f5f5;padding:8px;white-space:pre-wrap;word-break:break-all;margin:0}
        .badge{display:inline-block;padding:1px 7px;border-radius:3px;color:#fff;font-size:12px;font-weight:bold}
        .badge.pass{background:#2a8a3a}.badge.fail{background:#c62828}.badge.skip{background:#888}
        svg.chart{display:block;margin:0 0 2px}
        .grid{stroke:#e4e4e4;stroke-width:1}.tick{stroke:#999}.xlab{font-size:10px;fill:#666;text-anchor:middle}
        .ylab{font-size:10px;fill:#666;text-anchor:end}.ctitle{font-size:11px;fill:#333;font-weight:bold}.slab{font-size:11px}
        .series{fill:none;stroke-width:1.3}.fault-band{opacity:.22}
        .planned-line{stroke:#777;stroke-dasharray:3 3;stroke-width:1}.stop-line{stroke:#000;stroke-width:1.5;stroke-dasharray:6 2}.after-stop{fill:#000;opacity:.06}
        .lane .planned line{stroke:#888;stroke-width:1}.lane .violation path{fill:#c62828}
        .lane .violation:target path{fill:#ff0;stroke:#c62828;stroke-width:2}
        .cursor{stroke:#000;stroke-width:.6;visibility:hidden}
        .legend span{margin-right:14px;white-space:nowrap;font-size:12px}
        .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;opacity:.8}
        .legend i.planned{border-left:2px dashed #777;width:0;opacity:1}.legend i.violation{background:#c62828}
        .legend i.stop{border-left:2px dashed #000;width:0;opacity:1}
        table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}
        tr.fail td{background:#fdecec}tr.skip td{color:#666}ul{margin:0;padding-left:16px}
        .numbers th{width:190px;background:#fafafa}
        #readout{position:fixed;top:8px;right:8px;background:#fff;border:1px solid #aaa;padding:4px 8px;font-size:12px;
        display:none;box-shadow:0 1px 4px rgba(0,0,0,.2)}
        """

    /// Cursor and readout over the charts; reads the bucket data embedded as JSON.
    static let js = """
        (function(){var el=document.getElementById('buckets');if(!el)return;var d=JSON.parse(el.textContent);
        var ro=document.createElement('div');ro.id='readout';document.body.appendChild(ro);
        var svgs=document.querySelectorAll('svg.chart');
        svgs.forEach(function(s){s.addEventListener('mousemove',function(e){var r=s.getBoundingClientRect();
        var vx=(e.clientX-r.left)*(1100/r.width);var t=(vx-d.left)/d.plot*d.span;
        if(t<0||t>d.span){ro.style.display='none';return}var i=Math.min(d.b.length-1,Math.floor(t/d.step));var b=d.b[i];
        svgs.forEach(function(o){var c=o.querySelector('.cursor');if(c){c.setAttribute('x1',vx);c.setAttribute('x2',vx);
        c.style.visibility='visible'}});
        ro.style.display='block';ro.textContent='t='+b[0].toFixed(1)+'s  '+b[1]+' ok/s  errors '+b[2]+'%  p50 '+b[3]+
        ' ms  p99 '+b[4]+' ms  workers '+(b[5]===null?'-':b[5]);});
        s.addEventListener('mouseleave',function(){ro.style.display='none'});});})();
        """
}

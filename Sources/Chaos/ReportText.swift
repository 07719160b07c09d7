/// The human-readable end-of-run summary.
extension ChaosReport {
    /// The full text report; the last line is the closing line.
    public func renderText() -> String {
        var out: [String] = []
        out.append("")
        out += Verdict.table(verdicts)
        out.append("")
        let total = outcomes.values.reduce(0, +)
        out.append("requests: \(total) (\(fmt(requestsPerSecond, 0)) req/s); "
            + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + "; silent resends \(silentResends); \(afterShutdown) more after the stop signal")
        out.append("curl codes: " + curlCodes.sorted { Int($0.key)! < Int($1.key)! }
            .map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        out.append("latency ms   " + pad("count", 8) + pad("p50", 9) + pad("p90", 9) + pad("p99", 9)
            + pad("p99.9", 9) + "max")
        out.append(latencyRow("steady", steadyLatency))
        out.append(latencyRow("faults", faultLatency))
        out.append("faults: \(faultsInjected) injected; "
            + faultCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append(timeline())
        if let planned = plannedChanges, !planned.isEmpty {
            out.append("planned changes: " + planned.map(\.line).joined(separator: "; "))
        }
        if let st = stalls, !st.isEmpty {
            out.append("observer stalls: \(st.count) (max \(fmt(st.max()!, 2))s, total \(fmt(st.reduce(0, +), 2))s): "
                + "the machine did not run the runner; deadlines overlapping them were extended")
        }
        out.append("seed: \(seed)" + (shutdownSignal.map { "  shutdown: SIG\($0)" } ?? ""))
        out.append("reproduce: \(reproduce)")
        out.append(closingLine)
        return out.joined(separator: "\n")
    }

    private func latencyRow(_ name: String, _ l: LatencySummary) -> String {
        pad(name, 13) + pad("\(l.count)", 8) + pad(fmt(l.p50ms, 2), 9) + pad(fmt(l.p90ms, 2), 9)
            + pad(fmt(l.p99ms, 2), 9) + pad(fmt(l.p999ms, 2), 9) + fmt(l.maxms, 2)
    }

    /// One compact line per second bucket is too long for 60 s; show kinds in order, run-length coded.
    private func timeline() -> String {
        var parts: [String] = []
        var last: String?
        var n = 0
        for f in faults where f.applied {
            let k = f.kind.rawValue
            if k == last { n += 1; continue }
            if let l = last { parts.append(n > 1 ? "\(l)x\(n)" : l) }
            last = k
            n = 1
        }
        if let l = last { parts.append(n > 1 ? "\(l)x\(n)" : l) }
        let shown = parts.prefix(40).joined(separator: " ")
        return "timeline: " + (parts.isEmpty ? "(none)" : shown + (parts.count > 40 ? " ..." : ""))
    }
}

func pad(_ s: String, _ w: Int) -> String {
    s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count)
}

extension Verdict {
    /// The verdict table of the text reports (chaos-run, fleet-run): one row
    /// per invariant, its evidence indented below it.
    /// `idWidth`: the first column's width (chaos-run's 15; fleet-run's ids are longer).
    public static func table(_ verdicts: [Verdict], idWidth: Int = 15) -> [String] {
        var out = [pad("invariant", idWidth) + "  result  evidence",
                   String(repeating: "-", count: idWidth) + "  ------  --------"]
        for v in verdicts {
            out.append(pad(v.id, idWidth) + "  " + pad(v.status.rawValue, 6) + "  " + v.summary)
            for e in v.evidence { out.append(String(repeating: " ", count: idWidth + 10) + "- " + e) }
        }
        return out
    }
}

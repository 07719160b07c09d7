/// JUnit XML: one testcase per invariant, so CI dashboards show them.
extension ChaosReport {
    public func renderJUnit() -> String {
        Verdict.junit(suite: "chaos-run", classname: "chaos", verdicts: verdicts, seed: seed, reproduce: reproduce,
                      duration: duration, properties: plannedProperties())
    }
}

extension Verdict {
    /// JUnit XML of a runner's verdicts (chaos-run, fleet-run); `properties`:
    /// more `<property>` elements for the suite.
    public static func junit(suite: String, classname: String, verdicts: [Verdict], seed: UInt64, reproduce: String,
                             duration: Double, properties: String = "") -> String {
        let failed = verdicts.filter { $0.status == .fail }.count
        let skipped = verdicts.filter { $0.status == .skip }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuite name=\"\(suite)\" tests=\"\(verdicts.count)\" failures=\"\(failed)\" "
            + "skipped=\"\(skipped)\" time=\"\(fmt(duration, 3))\">\n"
        x += "  <properties><property name=\"seed\" value=\"\(seed)\"/>"
            + "<property name=\"reproduce\" value=\"\(xmlEscape(reproduce))\"/>" + properties + "</properties>\n"
        for v in verdicts {
            x += "  <testcase classname=\"\(classname)\" name=\"\(xmlEscape(v.id))\">"
            switch v.status {
            case .pass: break
            case .skip: x += "<skipped message=\"\(xmlEscape(v.summary))\"/>"
            case .fail:
                x += "<failure message=\"\(xmlEscape(v.summary))\">"
                    + xmlEscape(v.evidence.joined(separator: "\n")) + "</failure>"
            }
            x += "</testcase>\n"
        }
        return x + "</testsuite>\n"
    }
}

extension ChaosReport {
    /// `planned.upgrade.events` ... `planned.KIND.resent`, one per figure.
    func plannedProperties() -> String {
        (plannedChanges ?? []).map { c in
            [("events", c.events), ("requests", c.requests), ("lost", c.lost), ("resent", c.resent)]
                .map { "<property name=\"planned.\(c.kind).\($0.0)\" value=\"\($0.1)\"/>" }.joined()
        }.joined()
    }
}

func xmlEscape(_ s: String) -> String {
    var o = ""
    for c in s {
        switch c {
        case "&": o += "&amp;"
        case "<": o += "&lt;"
        case ">": o += "&gt;"
        case "\"": o += "&quot;"
        default: o.append(c)
        }
    }
    return o
}

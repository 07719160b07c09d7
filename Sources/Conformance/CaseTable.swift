/// The whole numbered table, in section order.
public enum CaseTable {
    /// Every case: the sections' own cases, then each valid case again one
    /// byte per write (robustness).
    public static var all: [ConformanceCase] {
        let base = RequestLineCases.all + HostCases.all + FieldCases.all + ContentLengthCases.all
            + TransferEncodingCases.all + PersistenceCases.all
        return base + RobustnessCases.all + base.compactMap { $0.bytewise() }
    }

    /// Cases that must run alone (they load the server on purpose).
    static let exclusive: Set<String> = ["9112-9.5-idle-connections"]

    /// Cases matching the filters: section names and case ids (or id prefixes ending in '*').
    public static func select(sections: [String], cases: [String]) -> [ConformanceCase] {
        all.filter { c in
            (sections.isEmpty || sections.contains(c.section.rawValue))
                && (cases.isEmpty || cases.contains { pattern in
                    pattern.hasSuffix("*") ? c.id.hasPrefix(String(pattern.dropLast())) : c.id == pattern
                })
        }
    }
}

import Foundation
import Testing

/// ARCHITECTURE.md is where a newcomer learns the engine: its file table must
/// name every file of Sources/Prefork (a new file without a row fails here).
@Suite struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func fileTableNamesEveryPreforkFile() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("ARCHITECTURE.md"), encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources/Prefork").path)
            .filter { $0.hasSuffix(".swift") }
        try #require(files.count > 20, "Sources/Prefork not found from \(Self.root.path)")
        let tableRows = doc.split(separator: "\n").filter { $0.hasPrefix("| `") }
        let missing = files.filter { file in !tableRows.contains { $0.contains("`\(file)`") } }.sorted()
        #expect(missing.isEmpty, "ARCHITECTURE.md's file table has no row for \(missing)")
    }
}

import Foundation

/// Where the built preforkd is: beside the test bundle in the build
/// directory, whatever `--scratch-path` was used.
enum PreforkdBinary {
    static let path: String = locate()

    private static func locate() -> String {
        let fm = FileManager.default
        var dirs: [String] = []
        // The test runner (xctest bundle on Linux) lives in .build/<config>/.
        for exe in [(try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "", CommandLine.arguments.first ?? "",
                    Bundle.main.bundlePath] where !exe.isEmpty {
            var dir = (exe as NSString).deletingLastPathComponent
            for _ in 0..<3 {   // the bundle may sit one or two levels deeper
                dirs.append(dir)
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        // Last resort: the package's default build directory.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        dirs.append(package + "/.build/debug")
        for dir in dirs where fm.isExecutableFile(atPath: dir + "/preforkd") {
            return dir + "/preforkd"
        }
        return package + "/.build/debug/preforkd"   // fails loudly at spawn, naming the path
    }
}

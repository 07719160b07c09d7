import Foundation
import Glibc
import Harness
import Testing

extension Integration {
    /// Invalid flags: non-zero exit, exactly one line on stderr, nothing started.
    @Suite struct BadFlagsTests {
        static let cases: [[String]] = [
            ["--workers", "0"], ["--workers", "abc"], ["--port", "70000"], ["--no-such-flag"], ["--timeout", "-1"],
            ["--lifetime", "-1"], ["--graceful-timeout", "nan"], ["--defer-accept", "-1"],
            ["--drain-delay", "-1"], ["--drain-delay", "abc"], ["--drain-delay", "90000"],
        ]

        /// A bad --drain-delay is a flag error like the other durations: exit
        /// 64, one line naming the flag.
        @Test(arguments: ["-0.5", "inf", "86401"])
        func drainDelayOutOfRange(value: String) throws {
            let p = try SpawnedProcess.spawn(PreforkdBinary.path, ["--port", "0", "--drain-delay=\(value)"], deadline: 15)
            defer { p.terminateAndReap() }
            #expect(p.wait(timeout: 10) == .exited(64))
            #expect(p.stderrText.contains("--drain-delay must be between 0 and 86400 seconds"), "\(p.stderrText)")
        }

        @Test(arguments: cases)
        func rejected(args: [String]) throws {
            let port = Ports.free()
            // The tested flag comes last so it overrides nothing we rely on.
            let all = (args.first == "--port" ? [] : ["--port", "\(port)"]) + ["--workers", "2"].filter { _ in args.first != "--workers" } + args
            let p = try SpawnedProcess.spawn(PreforkdBinary.path, all, deadline: 15)
            defer { p.terminateAndReap() }
            let status = p.wait(timeout: 10)
            let stderr = p.stderrText
            #expect(status != nil && status != .exited(0), "\(args): exit \(String(describing: status))")
            let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            #expect(lines.count == 1, "\(args): stderr must be one line, got \(lines.count): \(stderr)")
            #expect(stderr.hasSuffix("\n") && stderr.hasPrefix("preforkd: "), "\(args): \(stderr.debugDescription)")
            #expect(p.readLine(timeout: 0.1) == nil, "\(args): wrote to stdout")
            #expect(ProcFS.groupMembers(p.pid).isEmpty, "\(args): processes left: \(ProcFS.groupMembers(p.pid))")
            if args.first != "--port" {
                #expect(Ports.refuses(port: port), "\(args): something listens on \(port)")
            }
        }
    }
}

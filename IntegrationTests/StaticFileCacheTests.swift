import Curl
import Foundation
import Glibc
import Testing

extension Integration {
    /// --root keeps a per-worker cache of files it served: a changed, replaced
    /// or removed file must be seen at once, and a file swapped for a symlink
    /// out of the root must not be served from the cache.
    @Suite struct StaticFileCacheTests {
        @Test func changesAreSeenAtOnce() throws {
            let base = makeTempDir()
            defer { try? FileManager.default.removeItem(atPath: base) }
            let root = base + "/root", secret = "SECRET-\(UInt64.random(in: 1...UInt64.max))"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try "one\n".write(toFile: root + "/a.txt", atomically: false, encoding: .utf8)
            let big = String(repeating: "x", count: 40_000)  // above the sendfile threshold
            try big.write(toFile: root + "/big.txt", atomically: false, encoding: .utf8)
            try secret.write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)

            // Files changed in the last two seconds are not cached: let these settle.
            usleep(2_100_000)
            // One worker: every request meets the same cache.
            let d = try Daemon(["--root", root], workers: 1)
            defer { d.stop() }
            #expect(try d.get("/a.txt").get().bodyText == "one\n")
            #expect(try d.get("/a.txt").get().bodyText == "one\n")  // from the cache

            // Same size, rewritten in place: new content.
            try "two\n".write(toFile: root + "/a.txt", atomically: false, encoding: .utf8)
            #expect(try d.get("/a.txt").get().bodyText == "two\n")

            // Replaced by a symlink out of the root: refused, nothing leaks.
            try FileManager.default.removeItem(atPath: root + "/a.txt")
            try FileManager.default.createSymbolicLink(atPath: root + "/a.txt", withDestinationPath: base + "/secret.txt")
            let swapped = try d.get("/a.txt").get()
            #expect(swapped.status == 404 && !swapped.bodyText.contains(secret), "\(swapped.status) \(swapped.bodyText)")

            // Removed: 404.
            try FileManager.default.removeItem(atPath: root + "/a.txt")
            #expect(try d.get("/a.txt").get().status == 404)

            // sendfile body: served, then rewritten longer (Content-Length follows).
            #expect(try d.get("/big.txt").get().bodyText == big)
            let other = String(repeating: "y", count: 50_000)
            try other.write(toFile: root + "/big.txt", atomically: false, encoding: .utf8)
            #expect(try d.get("/big.txt").get().bodyText == other)
        }
    }
}

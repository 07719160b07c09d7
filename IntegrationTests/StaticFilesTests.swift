import Curl
import Foundation
import Glibc
import Testing

extension Integration {
    /// --root: files with Content-Type, index.html, 404, nothing outside the root.
    @Suite struct StaticFilesTests {
        @Test func servesTheRootAndNothingOutside() throws {
            let base = makeTempDir()
            defer { try? FileManager.default.removeItem(atPath: base) }
            let root = base + "/root", secret = "SECRET-\(UInt64.random(in: 1...UInt64.max))"
            try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
            try "hello file\n".write(toFile: root + "/a.txt", atomically: true, encoding: .utf8)
            try "body{}\n".write(toFile: root + "/style.css", atomically: true, encoding: .utf8)
            try "<h1>sub</h1>\n".write(toFile: root + "/sub/index.html", atomically: true, encoding: .utf8)
            try secret.write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: root + "/out.txt", withDestinationPath: base + "/secret.txt")
            try FileManager.default.createSymbolicLink(atPath: root + "/outdir", withDestinationPath: base)

            let d = try Daemon(["--root", root])
            defer { d.stop() }
            let a = try d.get("/a.txt").get()
            #expect(a.status == 200 && a.bodyText == "hello file\n" && a.header("Content-Type")?.hasPrefix("text/plain") == true, "\(a.headers)")
            let css = try d.get("/style.css").get()
            #expect(css.status == 200 && css.header("Content-Type") == "text/css", "\(css.headers)")
            let index = try d.get("/sub/").get()
            #expect(index.status == 200 && index.bodyText == "<h1>sub</h1>\n" && index.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(try d.get("/missing.txt").get().status == 404)
            let head = try d.get("/a.txt", method: "HEAD").get()
            #expect(head.status == 200 && head.body.isEmpty && head.header("Content-Length") == "11", "\(head.headers)")

            // libcurl would normalise dot segments, so traversal goes out raw.
            for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt",
                         "/out.txt", "/outdir/secret.txt", "/sub/../../secret.txt"] {
                let c = try RawClient(port: d.port)
                try c.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let text = try c.readToClose()
                let status = splitResponses(text).first?.status ?? 0
                #expect(!text.contains(secret), "\(path) leaked the outside file: \(text)")
                #expect([400, 403, 404].contains(status), "\(path): status \(status): \(text.prefix(200))")
            }
        }
    }
}

extension Integration.StaticFilesTests {
    /// If-Modified-Since in each HTTP-date form a recipient MUST accept (RFC
    /// 9110 5.6.7): a date after the file's mtime gives 304, one before 200.
    @Test func ifModifiedSinceAcceptsAllThreeDateForms() throws {
        let root = makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "dated\n".write(toFile: root + "/f.txt", atomically: true, encoding: .utf8)
        let d = try Daemon(["--root", root])
        defer { d.stop() }
        func status(_ since: String) throws -> Int {
            let c = try RawClient(port: d.port)
            try c.send("GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: \(since)\r\nConnection: close\r\n\r\n")
            return splitResponses(try c.readToClose()).first?.status ?? 0
        }
        let tomorrow = Date().addingTimeInterval(86400)
        func format(_ pattern: String) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "GMT")
            f.dateFormat = pattern
            return f.string(from: tomorrow)
        }
        let later = [format("EEE, dd MMM yyyy HH:mm:ss 'GMT'"), format("EEEE, dd-MMM-yy HH:mm:ss 'GMT'"),
                     format("EEE MMM d HH:mm:ss yyyy").replacingOccurrences(of: #"^(\w+ \w+) (\d) "#, with: "$1  $2 ",
                                                                              options: .regularExpression)]
        for since in later { #expect(try status(since) == 304, "If-Modified-Since: \(since)") }
        // The RFC's own examples (1994: "94" is not 2094, more than 50 years ahead).
        for since in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            #expect(try status(since) == 200, "If-Modified-Since: \(since)")
        }
        #expect(try status("yesterday") == 200)
    }
}

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

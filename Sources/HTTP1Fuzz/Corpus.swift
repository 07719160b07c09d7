import Glibc
import Harness

/// Seed requests: valid forms the parser accepts, and the framing tricks the
/// conformance table sends, so mutations start close to interesting paths.
enum Corpus {
    /// Writes the seed requests into `directory` (libFuzzer's corpus) when it
    /// exists and holds no seeds yet; libFuzzer adds its own finds beside them.
    static func seed(directory: String) {
        for (i, r) in requests.enumerated() {
            // An existing seed stays as it is (false). No such directory (the
            // argument names an input to replay): nothing to seed. Else fatal.
            do { _ = try Sys.createFile("\(directory)/seed-\(i)", Array(r.utf8)) } catch {
                if error.errno == ENOENT || error.errno == ENOTDIR { return }
                print("cannot write the seed corpus: \(error)")
                exit(2)
            }
        }
    }

    static let requests: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /p?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: a:80\r\nContent-Length: 5\r\n\r\nhello",
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
        "PUT http://h/p HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\nX: a\tb\r\n\r\nok",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\nDELETE /d HTTP/1.1\r\nHost: [::1]\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\nGET /s HTTP/1.1\r\nHost: s\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 999\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rContent-Length: 30\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
        "GET http://a:80/x?y HTTP/1.1\r\nHost: other\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 184467440737095516160\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n0\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nAccept: text/plain\r\n\r\n",
    ]
}

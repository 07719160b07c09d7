@preconcurrency import Glibc
import HTTP1
import Prefork

/// `--root DIR`: static files for GET and HEAD. Nothing outside the root is
/// ever served: `..` segments and percent-encoded dots are refused before the
/// file system is asked, and the resolved real path (symlinks followed) must
/// still lie under the root's real path. Files carry `ETag` and
/// `Last-Modified`; a GET/HEAD whose If-None-Match / If-Modified-Since says
/// the client's copy is current gets 304 with the same validators. OPTIONS
/// (also `*`) gets 204 with `Allow`; other methods 405.
struct StaticFiles: RequestHandler {
    /// The root's real path, without a trailing slash.
    let root: String
    /// This worker's memo of served files (each worker has its own copy after fork).
    var cache = StaticFileCache()

    init(root: String) throws {
        guard let real = realpath(root, nil) else { throw StaticFilesError.badRoot(root) }
        defer { free(real) }
        guard let info = Self.fileInfo(String(cString: real)), (info.st_mode & S_IFMT) == S_IFDIR else { throw StaticFilesError.badRoot(root) }
        self.root = String(cString: real)
    }

    static let allow = ("Allow", "GET, HEAD, OPTIONS")

    mutating func handle(_ request: Request, context: RequestContext) -> Reply {
        let get = request.method == "GET"
        if !get && request.method == "OPTIONS" { return Reply(Response(status: 204, headers: [Self.allow], body: [])) }
        guard get || request.method == "HEAD" else {
            return Reply(Self.text(405, "405 Method Not Allowed\n", extra: [Self.allow]))
        }
        if let entry = cache.lookup(request.path, sendfileAbove: Self.sendfileThreshold),
           let reply = reply(entry, conditions: request.headers) {
            return reply
        }
        cache.remove(request.path)
        guard let relative = Self.safeRelativePath(request.path) else {
            return Reply(Self.text(400, "400 Bad Request\n"))
        }
        switch resolve(relative) {
        case .failure(let status):
            return Reply(Self.text(status.code, status.text))
        case .success(let entry):
            cache.insert(request.path, entry)
            return reply(entry, conditions: request.headers) ?? Reply(Self.text(403, "403 Forbidden\n"))
        }
    }

    /// Files above this size go out with sendfile(2) (no copy through the
    /// worker); smaller ones are read and sent with the head in one write.
    static let sendfileThreshold = 16 * 1024

    /// A refusal: status and its text body.
    struct Refusal: Error {
        let code: Int, text: String
        static let notFound = Refusal(code: 404, text: "404 Not Found\n")
        static let forbidden = Refusal(code: 403, text: "403 Forbidden\n")
    }

    /// The full check of a path not (or no longer) in the cache: stat, the
    /// directory's index, the real path under the root, validators, MIME
    /// type, and a small file's bytes.
    private func resolve(_ relative: String) -> Result<StaticFileCache.Entry, Refusal> {
        var path = root + relative
        guard var info = Self.fileInfo(path) else { return .failure(.notFound) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            path += path.hasSuffix("/") ? "index.html" : "/index.html"
            guard let index = Self.fileInfo(path) else { return .failure(.forbidden) }
            info = index
        }
        guard (info.st_mode & S_IFMT) == S_IFREG, isInsideRoot(path) else { return .failure(.notFound) }
        let validators = Validators(info)
        var ok = Response(status: 200, headers: [("Content-Type", MimeTypes.type(for: path))] + validators.fields, body: [])
        let size = Int(info.st_size)
        let hasBody = size <= Self.sendfileThreshold
        if hasBody {
            guard let body = Self.read(path, size: size) else { return .failure(.forbidden) }
            ok.body = body
        }
        return .success(StaticFileCache.Entry(
            path: path, identity: .init(info), validators: validators, ok: ok,
            notModified: Response(status: 304, headers: validators.fields, body: []), hasBody: hasBody))
    }

    /// The reply from a checked entry; nil when a sendfile body's descriptor
    /// no longer shows the entry's file (the caller then checks afresh).
    private func reply(_ entry: StaticFileCache.Entry, conditions: HTTPHeaders) -> Reply? {
        // Validators only once the file is known to be inside the root: a 304
        // must never confirm the existence of anything outside it.
        if conditions.hasCacheConditions && entry.validators.notModified(conditions) {
            return Reply(entry.notModified)
        }
        if entry.hasBody { return Reply(entry.ok) }
        guard let fd = try? Posix.open(entry.path, O_RDONLY) else { return nil }  // gone or unreadable: checked afresh
        guard let info = try? Posix.fileInfo(fd), StaticFileCache.Identity(info) == entry.identity else {
            Posix.close(fd)
            return nil
        }
        return Reply(entry.ok, file: FileBody(fd: fd, length: entry.size))
    }

    /// Symlinks may point anywhere: the real path decides.
    private func isInsideRoot(_ path: String) -> Bool {
        guard let real = realpath(path, nil) else { return false }
        defer { free(real) }
        let resolved = String(cString: real)
        return resolved == root || resolved.hasPrefix(root + "/")
    }

    /// Percent-decodes the path and refuses anything that could climb out:
    /// `.`/`..` segments (also encoded), NUL, backslashes.
    static func safeRelativePath(_ path: String) -> String? {
        guard path.hasPrefix("/"), let decoded = percentDecode(path) else { return nil }
        for segment in decoded.split(separator: "/", omittingEmptySubsequences: false) {
            if segment == ".." || segment == "." || segment.contains("\0") || segment.contains("\\") { return nil }
        }
        return decoded
    }

    static func percentDecode(_ s: String) -> String? {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%") {
                guard bytes.count >= 2, let hi = hex(bytes.removeFirst()), let lo = hex(bytes.removeFirst()) else { return nil }
                out.append(hi << 4 | lo)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// stat(2) following symlinks (the real-path check decides about them).
    private static func fileInfo(_ path: String) -> stat? {
        Posix.fileInfo(path: path)
    }

    /// The whole file, or nil when it cannot be read or changed size meanwhile.
    private static func read(_ path: String, size: Int) -> [UInt8]? {
        guard let fd = try? Posix.open(path, O_RDONLY) else { return nil }
        defer { Posix.close(fd) }
        var offset = 0
        // No zero fill: the bytes are read straight into the array's storage.
        let body = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while offset < size {
                let rest = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[offset..<size])
                guard let n = try? Posix.read(fd, rest), n > 0 else { break }  // a regular file never says EAGAIN
                offset += n
            }
            count = offset
        }
        return offset == size ? body : nil
    }

    static func text(_ status: Int, _ body: String, extra: [(String, String)] = []) -> Response {
        Response(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + extra, body: Array(body.utf8))
    }
}

enum StaticFilesError: Error, CustomStringConvertible {
    case badRoot(String)

    var description: String {
        switch self {
        case .badRoot(let path): return "--root \(path) is not a readable directory"
        }
    }
}

/// Content-Type by file extension.
enum MimeTypes {
    static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "txt": "text/plain; charset=utf-8",
        "css": "text/css", "js": "text/javascript", "json": "application/json", "xml": "application/xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml",
        "ico": "image/x-icon", "webp": "image/webp", "pdf": "application/pdf", "wasm": "application/wasm",
        "woff2": "font/woff2", "gz": "application/gzip", "zip": "application/zip",
    ]

    static func type(for path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}

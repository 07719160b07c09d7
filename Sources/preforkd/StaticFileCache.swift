@preconcurrency import Glibc
import HTTP1
import Prefork

/// A worker's memo of the files `--root` has served, keyed by the request's
/// path: the resolved file path, its inside-the-root verdict, the prebuilt
/// 200 and 304 responses and, for small files, the bytes. A hit costs one
/// stat(2) (or, for sendfile bodies, the fstat of the descriptor it sends)
/// instead of percent-decoding, realpath(3) (an lstat per path component),
/// open, read and close.
///
/// Why one stat is enough: an entry is used only while the file's identity
/// (device, inode, size, mtime, ctime) is unchanged. Anything that could make
/// the path mean something else (the file rewritten, renamed, replaced, a
/// directory or symlink on the way swapped) either changes that identity or
/// makes stat fail, and the entry is dropped and the full check runs again.
/// Same identity means the very inode whose real path was checked to lie
/// under the root (a rename changes ctime, so it cannot have been moved out).
struct StaticFileCache {
    /// What a stat must still say for an entry to be used.
    struct Identity: Equatable {
        var dev: UInt, ino: UInt, size: Int
        var mtimeSec: Int, mtimeNsec: Int, ctimeSec: Int, ctimeNsec: Int

        init(_ s: stat) {
            dev = UInt(s.st_dev)
            ino = UInt(s.st_ino)
            size = Int(s.st_size)
            mtimeSec = Int(s.st_mtim.tv_sec)
            mtimeNsec = Int(s.st_mtim.tv_nsec)
            ctimeSec = Int(s.st_ctim.tv_sec)
            ctimeNsec = Int(s.st_ctim.tv_nsec)
        }
    }

    struct Entry {
        /// The file's path under the root (index.html appended for a directory).
        let path: String
        let identity: Identity
        let validators: Validators
        /// 200 with Content-Type, ETag, Last-Modified; the body too when `hasBody`.
        let ok: Response
        /// 304 with the validators.
        let notModified: Response
        let hasBody: Bool
        var size: Int { identity.size }
    }

    /// Bounds, so a crawler over a big tree cannot grow a worker without
    /// limit (the memory target is a few MB per worker).
    static let maxEntries = 1024
    static let maxBodyBytes = 512 * 1024

    private var entries: [String: Entry] = [:]
    private var bodyBytes = 0

    /// The entry for `key` if the file is still the one it describes; a stale
    /// entry is dropped. Files sent by sendfile are checked by the caller on
    /// the descriptor it opens (`fstat`), so they skip the stat here.
    mutating func lookup(_ key: String, sendfileAbove threshold: Int) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if entry.size > threshold { return entry }
        if let info = Posix.fileInfo(path: entry.path), Identity(info) == entry.identity { return entry }
        remove(key)
        return nil
    }

    /// Remembers an entry when there is room and the file has settled; a
    /// small body counts against `maxBodyBytes`.
    ///
    /// File times tick with the kernel's coarse clock (a few ms), so a
    /// rewrite of the same size within one tick after our stat would keep the
    /// whole identity: a file changed in the last two seconds is served
    /// without being remembered, and the next request looks again.
    mutating func insert(_ key: String, _ entry: Entry, now: Int = time(nil)) {
        if entries.count >= Self.maxEntries { return }
        if max(entry.identity.mtimeSec, entry.identity.ctimeSec) >= now - 1 { return }
        if entry.hasBody {
            guard bodyBytes + entry.size <= Self.maxBodyBytes else { return }
            bodyBytes += entry.size
        }
        if let old = entries.updateValue(entry, forKey: key), old.hasBody { bodyBytes -= old.size }
    }

    mutating func remove(_ key: String) {
        if let old = entries.removeValue(forKey: key), old.hasBody { bodyBytes -= old.size }
    }
}

extension HTTPHeaders {
    /// True when a conditional field that `Validators.notModified` reads is
    /// present, so the common unconditional request skips the validator parsing.
    /// Names are filtered by length first (13, 17): the usual request has no
    /// field of either length and costs no comparison.
    var hasCacheConditions: Bool {
        for field in self {
            switch field.name.utf8.count {
            case 13: if field.name.lowercased() == "if-none-match" { return true }
            case 17: if field.name.lowercased() == "if-modified-since" { return true }
            default: continue
            }
        }
        return false
    }
}

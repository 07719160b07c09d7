import CShims
import Glibc

/// The suite's file and directory calls (/proc, cgroup files, FIFOs, the
/// tmpfs of log-full, the swapped binary of bad-upgrade, fuzz corpora).
/// The path is part of the call name in errors: `mkdir(/tmp/x): File exists`.
extension Sys {
    /// open(2).
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemCallError) -> Int32 {
        try retrying("open(\(path))") { Glibc.open(path, flags, mode) }
    }

    /// write(2) once; nil when it would block (a full pipe opened O_NONBLOCK).
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemCallError) -> Int? {
        try nonBlocking("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// pread(2) at `offset`.
    public static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: off_t) throws(SystemCallError) -> Int {
        try retrying("pread") { Glibc.pread(fd, buffer.baseAddress, buffer.count, offset) }
    }

    /// Writes `bytes` to a blocking descriptor, all of them (short writes continued).
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemCallError) {
        try whole("write", bytes) { part throws(SystemCallError) in try write(fd, part) }
    }

    /// Writes `text` into an existing file in one open/write/close (cgroup
    /// control files take one value per write).
    public static func writeFile(_ path: String, _ text: String) throws(SystemCallError) {
        let fd = try open(path, O_WRONLY | O_CLOEXEC)
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8))
    }

    /// Creates `path` exclusively and writes `bytes` into it; false when it exists already.
    public static func createFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemCallError) -> Bool {
        let fd: Int32
        do { fd = try open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: mode) } catch {
            if error.errno == EEXIST { return false }
            throw error
        }
        defer { close(fd) }
        try writeAll(fd, bytes)
        return true
    }

    /// Up to `limit` bytes of a small file read in one go (/proc files are
    /// generated atomically per read); nil when it cannot be opened (a gone pid).
    public static func readSmallFile(_ path: String, limit: Int = 4096) -> [UInt8]? {
        guard let fd = try? open(path, O_RDONLY | O_CLOEXEC) else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        var used = 0
        while used < buffer.count {
            let start = used
            let n = try? buffer.withUnsafeMutableBytes { raw throws(SystemCallError) in
                try read(fd, UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
            }
            guard let n, n > 0 else { break }   // EOF, or the process went away mid-read
            used += n
        }
        return Array(buffer[..<used])
    }

    /// mkdir(2).
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(SystemCallError) {
        _ = try retrying("mkdir(\(path))") { mkdir(path, mode) }
    }

    /// rmdir(2) (EBUSY for a cgroup that still has members, ENOTEMPTY...).
    public static func removeDirectory(_ path: String) throws(SystemCallError) {
        _ = try retrying("rmdir(\(path))") { rmdir(path) }
    }

    /// unlink(2); false when there was nothing to remove (ENOENT is a fact).
    @discardableResult
    public static func unlink(_ path: String) throws(SystemCallError) -> Bool {
        if Glibc.unlink(path) == 0 { return true }
        if Glibc.errno == ENOENT { return false }
        throw SystemCallError(call: "unlink(\(path))", errno: Glibc.errno)
    }

    /// rename(2): atomic replacement of `to`.
    public static func rename(_ from: String, _ to: String) throws(SystemCallError) {
        _ = try retrying("rename(\(from), \(to))") { Glibc.rename(from, to) }
    }

    /// symlink(2): `path` points at `target`.
    public static func symlink(_ target: String, at path: String) throws(SystemCallError) {
        _ = try retrying("symlink(\(target), \(path))") { Glibc.symlink(target, path) }
    }

    /// chmod(2).
    public static func chmod(_ path: String, _ mode: mode_t) throws(SystemCallError) {
        _ = try retrying("chmod(\(path))") { Glibc.chmod(path, mode) }
    }

    /// mkfifo(3) (mknod).
    public static func makeFIFO(_ path: String, mode: mode_t = 0o600) throws(SystemCallError) {
        _ = try retrying("mkfifo(\(path))") { mkfifo(path, mode) }
    }

    /// truncate(2) to `length` bytes.
    public static func truncate(_ path: String, to length: off_t = 0) throws(SystemCallError) {
        _ = try retrying("truncate(\(path))") { Glibc.truncate(path, length) }
    }

    /// access(2): true when `path` exists (F_OK) or allows `mode` (X_OK...).
    /// A question, not an error: every failure answers false.
    public static func accessible(_ path: String, _ mode: Int32 = F_OK) -> Bool {
        access(path, mode) == 0
    }

    /// mount(2) of a filesystem (`type`, with `options` as its data string).
    public static func mount(_ source: String, on target: String, type: String, options: String) throws(SystemCallError) {
        _ = try retrying("mount(\(type) on \(target))") { Glibc.mount(source, target, type, 0, options) }
    }

    /// umount2(2) with MNT_DETACH: lazily, should a descriptor still be open.
    public static func unmountDetached(_ target: String) throws(SystemCallError) {
        _ = try retrying("umount2(\(target))") { umount2(target, Int32(MNT_DETACH)) }
    }

    /// The names in a directory ("." and ".." left out); nil when it cannot be opened.
    public static func directoryEntries(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A pipe with both ends close-on-exec (pipe2 with O_CLOEXEC).
    public static func pipe() throws(SystemCallError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retrying("pipe2") { cshim_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    /// An unlinked temporary file (close-on-exec) named after `prefix`.
    public static func anonymousTempFile(prefix: String) throws(SystemCallError) -> Int32 {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let fd = try template.withUnsafeMutableBufferPointer { p throws(SystemCallError) in
            try retrying("mkostemp") { cshim_mkostemp_cloexec(p.baseAddress!) }
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        do { try unlink(path) } catch {
            close(fd)
            throw error
        }
        return fd
    }
}

@preconcurrency import Glibc
import CShims

/// A failed system call: the call's name and its errno.
public struct PosixError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The C function that failed, e.g. "bind".
    public let call: String
    /// errno as the call left it.
    public let errno: Int32

    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// Every syscall the engine makes goes through here (after SwiftNIO's `enum Posix`):
/// EINTR is retried, failures throw `PosixError` with errno and the call's name,
/// and "would block" is returned as a value (`nil`), never thrown.
enum Posix {
    /// Runs `body` until it stops failing with EINTR; throws on any other -1.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(PosixError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw PosixError(call: call, errno: code)
        }
    }

    /// Like `retrying`, but EAGAIN/EWOULDBLOCK yield nil.
    @inline(__always)
    static func nonBlocking<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(PosixError) -> T? {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw PosixError(call: call, errno: code)
        }
    }

    static func close(_ fd: Int32) {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        _ = Glibc.close(fd)
    }

    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(PosixError) -> Int? {
        try nonBlocking("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(PosixError) -> Int? {
        try nonBlocking("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// send(2) with MSG_NOSIGNAL: a peer that went away is EPIPE, never SIGPIPE.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, flags: Int32 = 0) throws(PosixError) -> Int? {
        try nonBlocking("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, cshim_msg_nosignal() | flags) }
    }

    /// send(2) of `bytes[offset...]`; `more` (MSG_MORE) when a file body follows,
    /// so head and first file bytes leave in one segment.
    static func send(_ fd: Int32, _ bytes: [UInt8], from offset: Int, more: Bool = false) throws(PosixError) -> Int? {
        let flags = cshim_msg_nosignal() | (more ? Int32(MSG_MORE) : 0)
        return try nonBlocking("send") {
            bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, flags) }
        }
    }

    /// sendfile(2) of up to `count` bytes of `file` from `offset` (advanced) to a socket.
    static func sendfile(_ socket: Int32, _ file: Int32, offset: inout Int, count: Int) throws(PosixError) -> Int? {
        var off = off_t(offset)
        let n = try nonBlocking("sendfile") { Glibc.sendfile(socket, file, &off, count) }
        offset = Int(off)
        return n
    }

    /// Writes all of `text` to a blocking descriptor.
    static func writeAll(_ fd: Int32, _ text: String) throws(PosixError) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let start = offset
            offset += try retrying("write") { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + start, $0.count - start) } }
        }
    }

    /// accept4(2), non-blocking and close-on-exec; nil when no connection is queued
    /// (another worker won it, or the queue is empty).
    /// With `peer`, the peer's address comes back from accept4 itself (no
    /// getpeername call per connection).
    static func accept(_ fd: Int32, peer: UnsafeMutablePointer<sockaddr_storage>? = nil) throws(PosixError) -> Int32? {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let result = peer.map { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { cshim_accept_nonblock(fd, $0, &length) }
            } ?? cshim_accept_nonblock(fd, nil, nil)
            if result >= 0 { return result }
            switch Glibc.errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            // That one connection is gone (the peer gave up while queued, or a
            // firewall refused it): the next may be fine.
            case ECONNABORTED, EPROTO, EPERM: return nil
            // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of a resource. Thrown, so the
            // worker stops polling the listener for a while instead of being
            // woken for the same queued connection at once (a busy spin).
            case let code: throw PosixError(call: "accept4", errno: code)
            }
        }
    }

    static func fork() throws(PosixError) -> pid_t {
        try retrying("fork") { Glibc.fork() }
    }

    /// One `waitpid(-1, WNOHANG)`: nil when no child has changed state (0 or ECHILD).
    static func reapAny() throws(PosixError) -> (pid: pid_t, status: Int32)? {
        var status: Int32 = 0
        while true {
            let pid = Glibc.waitpid(-1, &status, WNOHANG)
            if pid > 0 { return (pid, status) }
            if pid == 0 { return nil }
            switch Glibc.errno {
            case EINTR: continue
            case ECHILD: return nil
            case let code: throw PosixError(call: "waitpid", errno: code)
            }
        }
    }

    /// kill(2); a process that is already gone (ESRCH) is not an error.
    static func kill(_ pid: pid_t, _ signo: Int32) {
        _ = Glibc.kill(pid, signo)
    }

    static func pipe() throws(PosixError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retrying("pipe2") { cshim_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(PosixError) -> Int32 {
        try retrying("open(\(path))") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    static func poll(_ fds: inout [pollfd], timeoutMs: Int32) throws(PosixError) -> Int {
        let n = Glibc.poll(&fds, nfds_t(fds.count), timeoutMs)
        if n >= 0 { return Int(n) }
        if Glibc.errno == EINTR { return 0 }
        throw PosixError(call: "poll", errno: Glibc.errno)
    }

    /// getrlimit(2) / setrlimit(2) of RLIMIT_NOFILE: (soft, hard).
    static func descriptorLimit() throws(PosixError) -> (soft: rlim_t, hard: rlim_t) {
        var limit = rlimit()
        _ = try retrying("getrlimit(RLIMIT_NOFILE)") { getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
        return (limit.rlim_cur, limit.rlim_max)
    }

    static func setDescriptorLimit(soft: rlim_t, hard: rlim_t) throws(PosixError) {
        var limit = rlimit(rlim_cur: soft, rlim_max: hard)
        _ = try retrying("setrlimit(RLIMIT_NOFILE)") { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) }
    }

    /// The symbolic name of the errnos the logs name (`errno=EMFILE`), else the number.
    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EMFILE: return "EMFILE"
        case ENFILE: return "ENFILE"
        case ENOBUFS: return "ENOBUFS"
        case ENOMEM: return "ENOMEM"
        case EINVAL: return "EINVAL"
        case EBADF: return "EBADF"
        default: return String(code)
        }
    }

    static func setNonBlocking(_ fd: Int32) throws(PosixError) {
        let flags = try retrying("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        _ = try retrying("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func setCloseOnExec(_ fd: Int32) throws(PosixError) {
        _ = try retrying("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }
}

/// How a child ended, decoded from a wait status (after swift-subprocess).
public enum TerminationStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        if cshim_wifsignaled(status) != 0 {
            self = .signaled(cshim_wtermsig(status))
        } else {
            self = .exited(cshim_wexitstatus(status))
        }
    }

    /// The log form, a contract: `exit:N` or `signal:N`.
    public var description: String {
        switch self {
        case .exited(let code): return "exit:\(code)"
        case .signaled(let signo): return "signal:\(signo)"
        }
    }
}

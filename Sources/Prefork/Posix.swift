@preconcurrency import Glibc
import CShims

/// A failed system call: the call's name and its errno.
public struct PosixError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The C function that failed, e.g. "bind".
    public let call: String
    /// errno as the call left it.
    public let errno: Int32

    /// `call: strerror (errno N)`, as logged.
    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// Every syscall the server side makes goes through here (after SwiftNIO's
/// `enum Posix`): EINTR is retried, failures throw `PosixError` with errno and
/// the call's name, and "would block" is returned as a value (`nil`), never
/// thrown. An errno that can only mean a bug in the caller (EBADF from close,
/// EINVAL from kill) stops a debug build at once, as SwiftNIO's
/// preconditions do; a release build goes on. `package`: the preforkd
/// executable (static files) uses it too.
package enum Posix {
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

    /// close(2). Not retried on EINTR (on Linux the descriptor is gone either
    /// way); EIO is a fact about the file, nothing to do; EBADF is a bug (a
    /// descriptor closed twice could close someone else's).
    package static func close(_ fd: Int32) {
        guard Glibc.close(fd) != 0 else { return }
        let code = Glibc.errno
        assert(code != EBADF, "close(\(fd)): EBADF: closed twice, or never opened")
    }

    package static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(PosixError) -> Int? {
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

    /// kill(2) of one process: true when delivered. A process that is already
    /// gone (ESRCH) or no longer ours (EPERM: its pid was reused) is a fact,
    /// false; pid 0 or below (a whole group, or everything) or EINVAL (no
    /// such signal) is a bug.
    @discardableResult
    static func kill(_ pid: pid_t, _ signo: Int32) -> Bool {
        precondition(pid > 0, "kill(\(pid)): not one process")
        guard Glibc.kill(pid, signo) != 0 else { return true }
        let code = Glibc.errno
        assert(code != EINVAL, "kill(\(pid), \(signo)): EINVAL")
        return false
    }

    /// Whether a process with `pid` exists (kill with signal 0; EPERM: it
    /// exists, but is not ours).
    static func processExists(_ pid: pid_t) -> Bool {
        pid > 0 && (Glibc.kill(pid, 0) == 0 || Glibc.errno == EPERM)
    }

    static func pipe() throws(PosixError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        _ = try retrying("pipe2") { cshim_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    package static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(PosixError) -> Int32 {
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

    /// nanosleep(2) for `milliseconds` (interrupted: returns early, which is fine for a back-off).
    static func sleep(milliseconds: Int) {
        var ts = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        _ = nanosleep(&ts, nil)
    }

    static func setNonBlocking(_ fd: Int32) throws(PosixError) {
        let flags = try retrying("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        _ = try retrying("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    // MARK: - Files

    /// fstat(2).
    package static func fileInfo(_ fd: Int32) throws(PosixError) -> stat {
        var info = Glibc.stat()
        _ = try retrying("fstat") { fstat(fd, &info) }
        return info
    }

    /// stat(2), following symlinks; nil when there is nothing at `path`
    /// (ENOENT, ENOTDIR) or it cannot be reached (EACCES, ELOOP...).
    package static func fileInfo(path: String) -> stat? {
        var info = Glibc.stat()
        return stat(path, &info) == 0 ? info : nil
    }

    static func rename(_ from: String, _ to: String) throws(PosixError) {
        _ = try retrying("rename(\(to))") { Glibc.rename(from, to) }
    }

    /// unlink(2); a file already gone (ENOENT) is not an error.
    static func unlink(_ path: String) throws(PosixError) {
        guard Glibc.unlink(path) != 0, Glibc.errno != ENOENT else { return }
        throw PosixError(call: "unlink(\(path))", errno: Glibc.errno)
    }

    // MARK: - Sockets

    static func socket(_ family: Int32, _ type: Int32) throws(PosixError) -> Int32 {
        try retrying("socket") { Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// setsockopt(2) of an `Int32` option.
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(PosixError) {
        var v = value
        _ = try retrying("setsockopt(\(label))") { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// getsockopt(2) of an `Int32` option.
    static func option(_ fd: Int32, _ level: Int32, _ name: Int32, _ label: String) throws(PosixError) -> Int32 {
        var v: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt(\(label))") { getsockopt(fd, level, name, &v, &length) }
        return v
    }

    static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(PosixError) {
        _ = try retrying("bind") { Glibc.bind(fd, address, length) }
    }

    static func listen(_ fd: Int32, backlog: Int) throws(PosixError) {
        _ = try retrying("listen") { Glibc.listen(fd, Int32(clamping: backlog)) }
    }

    /// getsockname(2).
    static func localAddress(_ fd: Int32) throws(PosixError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try retrying("getsockname") {
            withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        }
        return storage
    }

    /// shutdown(SHUT_WR): our FIN. A peer that is already gone (ENOTCONN) is a
    /// fact: the close that follows finds the socket done.
    static func shutdownWrite(_ fd: Int32) {
        guard Glibc.shutdown(fd, Int32(SHUT_WR)) != 0 else { return }
        let code = Glibc.errno
        assert(code != EBADF && code != ENOTSOCK, "shutdown(\(fd)): errno \(code)")
    }

    /// sendto(2) of a datagram to a unix socket address (sd_notify).
    static func sendDatagram(_ fd: Int32, _ bytes: [UInt8], to address: UnsafePointer<sockaddr>, _ length: socklen_t)
        throws(PosixError) {
        _ = try retrying("sendto") {
            bytes.withUnsafeBytes { Glibc.sendto(fd, $0.baseAddress, $0.count, cshim_msg_nosignal(), address, length) }
        }
    }

    // MARK: - Events

    static func eventfd() throws(PosixError) -> Int32 {
        try retrying("eventfd") { cshim_eventfd() }
    }

    /// Adds one to an eventfd's counter; a counter at its maximum (EAGAIN)
    /// already wakes every watcher.
    static func signalEventfd(_ fd: Int32) throws(PosixError) {
        var one: UInt64 = 1
        _ = try nonBlocking("write(eventfd)") { Glibc.write(fd, &one, MemoryLayout<UInt64>.size) }
    }

    /// Whether `fd` is readable now (poll with no wait).
    static func isReadable(_ fd: Int32) throws(PosixError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = try retrying("poll") { Glibc.poll(&entry, 1, 0) }
        return n > 0 && entry.revents & Int16(POLLIN) != 0
    }

    static func epollCreate() throws(PosixError) -> Int32 {
        try retrying("epoll_create1") { cshim_epoll_create() }
    }

    static func epollAdd(_ epoll: Int32, _ fd: Int32, _ events: UInt32) throws(PosixError) {
        _ = try retrying("epoll_ctl(ADD)") { cshim_epoll_add(epoll, fd, events) }
    }

    static func epollModify(_ epoll: Int32, _ fd: Int32, _ events: UInt32) throws(PosixError) {
        _ = try retrying("epoll_ctl(MOD)") { cshim_epoll_mod(epoll, fd, events) }
    }

    /// epoll_ctl(DEL). A descriptor that is not in the set (ENOENT) is a fact
    /// (removing before adding again is how the listener is requeued); one
    /// that is not open (EBADF) is a bug.
    static func epollRemove(_ epoll: Int32, _ fd: Int32) {
        guard cshim_epoll_del(epoll, fd) != 0 else { return }
        let code = Glibc.errno
        assert(code == ENOENT, "epoll_ctl(DEL, \(fd)): errno \(code)")
    }

    /// epoll_wait(2) into the caller's arrays; 0 when interrupted.
    static func epollWait(_ epoll: Int32, _ fds: UnsafeMutableBufferPointer<Int32>, _ events: UnsafeMutableBufferPointer<UInt32>,
                          timeoutMs: Int32) throws(PosixError) -> Int {
        let count = cshim_epoll_wait(epoll, fds.baseAddress, events.baseAddress, Int32(fds.count), timeoutMs)
        if count >= 0 { return Int(count) }
        if Glibc.errno == EINTR { return 0 }
        throw PosixError(call: "epoll_wait", errno: Glibc.errno)
    }

    // MARK: - Signals

    /// sigprocmask(2): `how` is SIG_BLOCK or SIG_SETMASK.
    static func setSignalMask(_ how: Int32, _ set: sigset_t) throws(PosixError) {
        var mask = set
        _ = try retrying("sigprocmask") { sigprocmask(how, &mask, nil) }
    }

    static func signalfd(_ set: sigset_t) throws(PosixError) -> Int32 {
        var mask = set
        return try retrying("signalfd") { cshim_signalfd(&mask) }
    }

    /// One pending signal from a non-blocking signalfd; nil when none is.
    static func readSignal(_ fd: Int32) throws(PosixError) -> Int32? {
        var info = cshim_siginfo()
        while true {
            let r = cshim_signalfd_read(fd, &info)
            if r > 0 { return info.signo }
            if r == 0 { return nil }
            if Glibc.errno == EINTR { continue }
            throw PosixError(call: "read(signalfd)", errno: Glibc.errno)
        }
    }

    /// signal(2): SIG_DFL or SIG_IGN (never a handler: nothing runs in signal context).
    static func setDisposition(_ signo: Int32, _ disposition: __sighandler_t?) {
        _ = Glibc.signal(signo, disposition)
    }

    // MARK: - Processes (daemon mode)

    /// waitpid(pid, 0): blocks until `pid` ends; its raw wait status.
    static func waitBlocking(_ pid: pid_t) throws(PosixError) -> Int32 {
        var status: Int32 = 0
        _ = try retrying("waitpid(\(pid))") { waitpid(pid, &status, 0) }
        return status
    }

    /// setsid(2): a new session and process group led by the caller.
    static func newSession() throws(PosixError) {
        _ = try retrying("setsid") { setsid() }
    }

    static func changeDirectory(_ path: String) throws(PosixError) {
        _ = try retrying("chdir(\(path))") { chdir(path) }
    }

    /// umask(2) (it cannot fail).
    static func setFileCreationMask(_ mask: mode_t) {
        _ = umask(mask)
    }

    /// dup2(2): `fd` also as `target`.
    static func duplicate(_ fd: Int32, onto target: Int32) throws(PosixError) {
        _ = try retrying("dup2(\(target))") { dup2(fd, target) }
    }

    // MARK: - Memory

    /// An anonymous MAP_SHARED mapping (inherited by every fork).
    static func mapShared(_ byteCount: Int) throws(PosixError) -> UnsafeMutableRawPointer {
        guard let region = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
              region != MAP_FAILED else {
            throw PosixError(call: "mmap", errno: Glibc.errno)
        }
        return region
    }

    static func unmap(_ region: UnsafeMutableRawPointer, _ byteCount: Int) {
        let rc = munmap(region, byteCount)
        assert(rc == 0, "munmap: errno \(Glibc.errno)")
    }
}

/// How a child ended, decoded from a wait status (after swift-subprocess).
enum TerminationStatus: Equatable, Sendable, CustomStringConvertible {
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
    var description: String {
        switch self {
        case .exited(let code): return "exit:\(code)"
        case .signaled(let signo): return "signal:\(signo)"
        }
    }
}

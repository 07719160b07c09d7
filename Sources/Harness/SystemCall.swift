import CShims
import Glibc

/// A failed system call on the client side (the suite): the call's name and
/// errno. The one error type for syscalls in Harness, Curl's neighbours,
/// Chaos and Conformance (the server side has its own, `PosixError`: the two
/// sides share no code, so a bug cannot mirror itself).
public struct SystemCallError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed, e.g. "connect".
    public let call: String
    /// errno as the call left it.
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `connect: Connection refused (errno 111)`.
    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// The suite's door to the kernel (after SwiftNIO's `enum Posix`): EINTR is
/// retried, failures throw `SystemCallError`, "would block" is a value.
public enum Sys {
    /// Runs `body` until it stops failing with EINTR; throws on any other -1.
    @inline(__always)
    public static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemCallError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw SystemCallError(call: call, errno: code)
        }
    }

    /// close(2), not retried (Linux frees the descriptor on EINTR too).
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// setsockopt(2) of a plain value (an Int32 flag, a timeval, a linger).
    public static func setOption<T: BitwiseCopyable>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: T, _ label: String) throws(SystemCallError) {
        _ = try withUnsafeBytes(of: value) { raw throws(SystemCallError) in
            try retrying("setsockopt(\(label))") { setsockopt(fd, level, name, raw.baseAddress, socklen_t(raw.count)) }
        }
    }

    /// poll(2) of one descriptor for `events`; the returned revents (0 on timeout).
    public static func poll(_ fd: Int32, _ events: Int16, timeoutMs: Int32) throws(SystemCallError) -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let n = try retrying("poll") { Glibc.poll(&entry, 1, timeoutMs) }
        return n > 0 ? entry.revents : 0
    }

    /// poll(2) of several descriptors; the number with events (0 on timeout).
    public static func poll(_ fds: inout [pollfd], timeoutMs: Int32) throws(SystemCallError) -> Int {
        let count = nfds_t(fds.count)
        return Int(try retrying("poll") { Glibc.poll(&fds, count, timeoutMs) })
    }

    /// Runs `body` until it stops failing with EINTR; nil when it would block
    /// (EAGAIN/EWOULDBLOCK); throws on any other -1.
    @inline(__always)
    public static func nonBlocking<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemCallError) -> T? {
        while true {
            let result = body()
            if result != -1 { return result }
            switch Glibc.errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case let code: throw SystemCallError(call: call, errno: code)
            }
        }
    }

    /// read(2) into `buffer`; nil when nothing is there (EAGAIN), 0 at EOF.
    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int? {
        try nonBlocking("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Hands all of `bytes` to `one` (a write or send of what is left, which
    /// returns how much it took) until none is left. A call that would block
    /// (nil) or took nothing throws as `call` (EAGAIN, EPIPE).
    static func whole(_ call: String, _ bytes: [UInt8],
                      _ one: (UnsafeRawBufferPointer) throws(SystemCallError) -> Int?) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let start = offset
            let n = try bytes.withUnsafeBytes { raw in
                Result { () throws(SystemCallError) in try one(UnsafeRawBufferPointer(rebasing: raw[start...])) }
            }.get()
            guard let n, n > 0 else { throw SystemCallError(call: call, errno: n == nil ? EAGAIN : EPIPE) }
            offset += n
        }
    }

    /// waitpid(pid, WNOHANG) of one child: its raw wait status once it has
    /// ended, nil while it runs. ECHILD (not our child, or reaped already) throws.
    public static func reap(_ pid: Int32) throws(SystemCallError) -> Int32? {
        var status: Int32 = 0
        let r = try retrying("waitpid(\(pid))") { waitpid(pid, &status, WNOHANG) }
        return r == pid ? status : nil
    }

    /// kill(2): true when delivered (false: gone, or not ours).
    public static func kill(_ pid: Int32, _ signo: Int32) -> Bool {
        precondition(pid > 0, "kill(\(pid)): not one process")
        return Glibc.kill(pid, signo) == 0
    }

    /// pidfd_open(2): a descriptor pinning `pid`; nil when it is gone (ESRCH)
    /// or the kernel lacks pidfds (ENOSYS: then `pidfdSupported` is false).
    public static func pidfdOpen(_ pid: Int32) throws(SystemCallError) -> Int32? {
        let fd = cshim_pidfd_open(pid)
        if fd >= 0 { return fd }
        if Glibc.errno == ESRCH { return nil }
        throw SystemCallError(call: "pidfd_open(\(pid))", errno: Glibc.errno)
    }

    /// pidfd_send_signal(2): true when delivered.
    public static func pidfdSignal(_ pidfd: Int32, _ signo: Int32) -> Bool {
        cshim_pidfd_send_signal(pidfd, signo) == 0
    }

    /// Sleeps `seconds` (EINTR-safe: nanosleep resumes with the remainder).
    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && Glibc.errno == EINTR { request = remaining }
    }

    /// Monotonic clock (CLOCK_MONOTONIC) in nanoseconds: the time base of samples and records.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}


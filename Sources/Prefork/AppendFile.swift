@preconcurrency import Glibc

/// A log destination shared by the master and its workers: opened with
/// O_APPEND (so each write() lands whole at the end, whichever process wrote
/// it) before the first fork, and reopened in place after logrotate renamed
/// it (USR1). nil path = standard error.
///
/// Writes never block (README, "Logging under back-pressure"): a reader that
/// stops reading (a stalled journal, `| tee` suspended, a container log
/// driver) fills a pipe's 64 KiB, and a blocking write() there once wedged
/// every worker before its response and then the master itself. Each line
/// still goes out in one write(); one the descriptor cannot take now waits in
/// a bounded per-process queue (`pendingLimit`), retried before the next line
/// and on every loop turn; lines beyond the bound, and lines the descriptor
/// refuses (ENOSPC, EPIPE, EIO), are dropped and counted. Nothing is lost
/// silently: the count is on the scoreboard (/__metrics, /__status) and, once
/// the queue has drained again, in a `log_lines_dropped` event.
final class AppendFile {
    let path: String?
    private var fd: Int32
    /// How a write to `fd` is made without blocking.
    private var mode: WriteMode
    var adoptedMode: WriteMode { mode }
    private var pending = LineQueue()
    /// Lines dropped since the last `takeRecoveredDrops()` report.
    private var droppedUnreported = 0
    /// Lines dropped by this process since it opened the file.
    private(set) var droppedTotal = 0
    /// Where drops are counted for /__metrics (set once the scoreboard exists).
    private var dropCounter: (scoreboard: Scoreboard, counter: Scoreboard.Counter)?
    /// The old behaviour, for `--planted-defect blocking-log` only.
    let blocking: Bool

    /// Bytes of lines a process keeps while its destination cannot take them.
    static let pendingLimit = 64 * 1024

    enum WriteMode: Equatable {
        /// Our own open file description, O_NONBLOCK (a file, a FIFO, or a
        /// pipe or tty reopened through /proc/self/fd).
        case nonBlocking
        /// An inherited socket (systemd's journal stream): send(MSG_DONTWAIT),
        /// so the description shared with other processes keeps its flags.
        case socket
        /// An inherited description we could neither reopen nor own: left as
        /// it is, writes may block (never seen for a pipe, a tty or a socket).
        case asInherited
    }

    init(path: String?, inherited: Int32 = STDERR_FILENO, blocking: Bool = false) throws(PosixError) {
        self.path = path
        self.blocking = blocking
        if let path {
            fd = try Self.open(path, blocking: blocking)
            mode = .nonBlocking
        } else {
            (fd, mode) = blocking ? (inherited, .asInherited) : Self.adopt(inherited)
        }
    }

    private static func open(_ path: String, blocking: Bool) throws(PosixError) -> Int32 {
        let fd = try Posix.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        // Our own description (this open made it): O_NONBLOCK touches nobody else.
        // After the open, so a FIFO still waits for its reader as before.
        if !blocking { try? Posix.setNonBlocking(fd) }
        return fd
    }

    /// Makes an inherited descriptor writable without blocking and without
    /// changing the description other processes share (setting O_NONBLOCK on
    /// an inherited stderr would change it for the shell or supervisor too).
    static func adopt(_ inherited: Int32) -> (Int32, WriteMode) {
        guard let st = try? Posix.fileInfo(inherited) else { return (inherited, .asInherited) }  // a closed stderr: writes fail, counted
        switch st.st_mode & S_IFMT {
        case S_IFSOCK:
            return (inherited, .socket)
        case S_IFREG:
            return (inherited, .asInherited)  // a regular file never blocks; O_APPEND as the shell opened it
        default:
            // A pipe, FIFO or tty: opening /proc/self/fd/N makes a new description
            // of the same pipe or device, ours alone, so O_NONBLOCK is private.
            if let own = try? Posix.open("/proc/self/fd/\(inherited)", O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY) {
                return (own, .nonBlocking)
            }
            return (inherited, .asInherited)
        }
    }

    /// Counts drops in `counter` on the shared scoreboard from now on.
    func countDrops(in scoreboard: Scoreboard, _ counter: Scoreboard.Counter) {
        dropCounter = (scoreboard, counter)
    }

    /// Reopens the file at `path`. On failure the old descriptor stays:
    /// writing to the renamed file is better than losing the log.
    @discardableResult
    func reopen() -> PosixError? {
        guard let path else { return nil }
        do {
            let newFD = try Self.open(path, blocking: blocking)
            Posix.close(fd)
            fd = newFD
            return nil
        } catch {
            return error
        }
    }

    /// Writes one whole line with one write(), or queues it, or drops it
    /// (see the type's doc). Never blocks, never throws: a log must never
    /// stop the server.
    func write(_ line: UnsafeRawBufferPointer) {
        if blocking { writeBlocking(line); return }
        if !pending.isEmpty { flushPending() }
        if pending.isEmpty {
            switch attempt(line) {
            case .written: return
            case .wouldBlock(let sent): queue(UnsafeRawBufferPointer(rebasing: line[sent...]))
            case .refused: drop()
            }
        } else {
            queue(line)
        }
    }

    /// Retries queued lines, oldest first (a line cut by a short write goes
    /// on before anything else). Called before each new line and on every
    /// loop turn of the owning process.
    func flushPending() {
        while let head = pending.first {
            let result = head.withUnsafeBytes { attempt($0) }
            switch result {
            case .written: pending.removeFirst()
            case .wouldBlock(let sent): pending.trimFirst(sent); return
            case .refused: pending.removeFirst(); drop()
            }
        }
    }

    /// Lines wait, or a drop is not reported yet: the owner's loop must turn soon.
    var needsTurn: Bool { !pending.isEmpty || droppedUnreported > 0 }

    /// Lines dropped in an episode that is over (nothing queued any more):
    /// the owner logs `log_lines_dropped count=`. nil while none, or while
    /// the destination still cannot take lines.
    func takeRecoveredDrops() -> Int? {
        guard droppedUnreported > 0, pending.isEmpty else { return nil }
        defer { droppedUnreported = 0 }
        return droppedUnreported
    }

    private enum Attempt { case written, wouldBlock(sent: Int), refused }

    /// One non-blocking write of `bytes`; a short write reports what went.
    private func attempt(_ bytes: UnsafeRawBufferPointer) -> Attempt {
        let result: Int?
        do {
            result = mode == .socket ? try Posix.send(fd, bytes, flags: Int32(MSG_DONTWAIT)) : try Posix.write(fd, bytes)
        } catch {
            return .refused  // ENOSPC, EPIPE (reader gone), EIO, EFBIG...
        }
        guard let n = result else { return .wouldBlock(sent: 0) }
        return n == bytes.count ? .written : .wouldBlock(sent: n)
    }

    private func queue(_ bytes: UnsafeRawBufferPointer) {
        if pending.byteCount + bytes.count > Self.pendingLimit { drop(); return }
        pending.append(bytes)
    }

    private func drop() {
        droppedUnreported += 1
        droppedTotal += 1
        if let (scoreboard, counter) = dropCounter { scoreboard.increment(counter) }
    }

    /// `--planted-defect blocking-log`: the old loop, which waits for the reader.
    private func writeBlocking(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            // The defect's old behaviour: any failure (EAGAIN included) drops the rest of the line.
            guard let n = try? Posix.write(fd, rest) else { return }
            offset += n
        }
    }
}

/// Whole lines waiting for their descriptor, oldest first, with their total size.
struct LineQueue {
    private var lines: [[UInt8]] = []
    private var head = 0
    private(set) var byteCount = 0

    var isEmpty: Bool { head == lines.count }
    var first: [UInt8]? { isEmpty ? nil : lines[head] }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        lines.append(Array(bytes))
        byteCount += bytes.count
    }

    mutating func removeFirst() {
        byteCount -= lines[head].count
        head += 1
        if head == lines.count { lines.removeAll(keepingCapacity: true); head = 0 }
    }

    /// The first line's first `count` bytes went out (a short write).
    mutating func trimFirst(_ count: Int) {
        guard count > 0 else { return }
        lines[head].removeFirst(count)
        byteCount -= count
    }
}

@preconcurrency import Glibc
import CShims

/// The signals the engine acts on. Nothing runs in a signal handler: the
/// signals are blocked and read from a signalfd as plain events.
public enum Signal: CaseIterable, Sendable {
    case int, term, hup, quit, ttin, ttou, usr1, usr2, chld

    public init?(number: Int32) {
        guard let match = Self.allCases.first(where: { $0.number == number }) else { return nil }
        self = match
    }

    /// The signal number.
    public var number: Int32 {
        switch self {
        case .int: return SIGINT
        case .term: return SIGTERM
        case .hup: return SIGHUP
        case .quit: return SIGQUIT
        case .ttin: return SIGTTIN
        case .ttou: return SIGTTOU
        case .usr1: return SIGUSR1
        case .usr2: return SIGUSR2
        case .chld: return SIGCHLD
        }
    }

    /// The name without "SIG", as logged (`signal=TERM`).
    public var name: String { String(describing: self).uppercased() }
}

/// A signalfd over a blocked set of signals. Blocking happens in `init`, so a
/// signal that arrives before the first poll waits in the queue, never lost.
final class SignalSource {
    let fd: Int32
    private let mask: sigset_t

    init(_ signals: [Signal]) throws(PosixError) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal.number) }
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else { throw PosixError(call: "sigprocmask", errno: errno) }
        let fd = cshim_signalfd(&set)
        guard fd >= 0 else { throw PosixError(call: "signalfd", errno: errno) }
        self.fd = fd
        self.mask = set
    }

    /// Every pending signal, in arrival order (the kernel coalesces repeats of
    /// one standard signal; that is fine for every signal we handle).
    func drain() throws(PosixError) -> [Signal] {
        var out: [Signal] = []
        var info = cshim_siginfo()
        while true {
            let r = cshim_signalfd_read(fd, &info)
            if r == 0 { return out }
            if r < 0 { throw PosixError(call: "read(signalfd)", errno: errno) }
            if let signal = Signal(number: info.signo) { out.append(signal) }
        }
    }

    func close() { Posix.close(fd) }

    /// In a freshly forked child: drop the parent's signalfd, restore default
    /// dispositions, and set the mask to exactly `keepBlocked` (the signals the
    /// child will read from its own signalfd). Those are never unblocked in
    /// between, so a TERM that races the child's birth is queued, not fatal.
    static func resetInChild(closing inherited: SignalSource?, keepBlocked: [Signal]) {
        inherited?.close()
        for signal in Signal.allCases { Glibc.signal(signal.number, SIG_DFL) }
        var set = sigset_t()
        sigemptyset(&set)
        for signal in keepBlocked { sigaddset(&set, signal.number) }
        sigprocmask(SIG_SETMASK, &set, nil)
    }

    /// Neither process wants SIGPIPE: a vanished peer is an EPIPE return value.
    static func ignoreSIGPIPE() {
        Glibc.signal(SIGPIPE, SIG_IGN)
    }
}

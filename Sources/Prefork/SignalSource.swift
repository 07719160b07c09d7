@preconcurrency import Glibc
import CShims

/// The signals the engine acts on. Nothing runs in a signal handler: the
/// signals are blocked and read from a signalfd as plain events.
enum Signal: CaseIterable, Sendable {
    case int, term, hup, quit, ttin, ttou, usr1, chld

    init?(number: Int32) {
        guard let match = Self.allCases.first(where: { $0.number == number }) else { return nil }
        self = match
    }

    /// The signal number.
    var number: Int32 {
        switch self {
        case .int: return SIGINT
        case .term: return SIGTERM
        case .hup: return SIGHUP
        case .quit: return SIGQUIT
        case .ttin: return SIGTTIN
        case .ttou: return SIGTTOU
        case .usr1: return SIGUSR1
        case .chld: return SIGCHLD
        }
    }

    /// The name without "SIG", as logged (`signal=TERM`).
    var name: String { String(describing: self).uppercased() }
}

/// A signalfd over a blocked set of signals. Blocking happens in `init`, so a
/// signal that arrives before the first poll waits in the queue, never lost.
final class SignalSource {
    let fd: Int32
    private let mask: sigset_t

    init(_ signals: [Signal]) throws(PosixError) {
        let set = Self.set(of: signals)
        try Posix.setSignalMask(SIG_BLOCK, set)
        self.fd = try Posix.signalfd(set)
        self.mask = set
    }

    static func set(of signals: [Signal]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal.number) }
        return set
    }

    /// Every pending signal, in arrival order (the kernel coalesces repeats of
    /// one standard signal; that is fine for every signal we handle).
    func drain() throws(PosixError) -> [Signal] {
        var out: [Signal] = []
        while let signo = try Posix.readSignal(fd) {
            if let signal = Signal(number: signo) { out.append(signal) }
        }
        return out
    }

    func close() { Posix.close(fd) }

    /// In a freshly forked child: drop the parent's signalfd, restore default
    /// dispositions, and set the mask to exactly `keepBlocked` (the signals the
    /// child will read from its own signalfd). Those are never unblocked in
    /// between, so a TERM that races the child's birth is queued, not fatal.
    static func resetInChild(closing inherited: SignalSource?, keepBlocked: [Signal]) {
        inherited?.close()
        for signal in Signal.allCases { Posix.setDisposition(signal.number, SIG_DFL) }
        // Cannot fail with a valid `how`; a child left with the parent's mask would still read its signalfd.
        try? Posix.setSignalMask(SIG_SETMASK, set(of: keepBlocked))
    }

    /// Neither process wants SIGPIPE: a vanished peer is an EPIPE return value.
    static func ignoreSIGPIPE() {
        Posix.setDisposition(SIGPIPE, SIG_IGN)
    }
}

import Glibc
import Synchronization

/// Splits a pipe's bytes into lines, with a timeout per line (poll).
final class LineReader: Sendable {
    private struct State {
        var fd: Int32
        var pending: [UInt8] = []
        var eof = false
    }
    private let state: Mutex<State>

    init(fd: Int32) {
        state = Mutex(State(fd: fd))
    }

    /// True once the writer side closed and every line was consumed.
    var atEOF: Bool { state.withLock { $0.eof && $0.pending.isEmpty } }

    /// Next line without its "\n" (a trailing "\r" is dropped too).
    func readLine(timeout: Double) -> String? {
        let deadline = monotonicSeconds() + timeout
        return state.withLock { s -> String? in
            while true {
                if let nl = s.pending.firstIndex(of: 10) {
                    var line = Array(s.pending[..<nl])
                    s.pending.removeSubrange(...nl)
                    if line.last == 13 { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                if s.eof || s.fd < 0 {
                    guard !s.pending.isEmpty else { return nil }
                    defer { s.pending.removeAll() }
                    return String(decoding: s.pending, as: UTF8.self)
                }
                let left = deadline - monotonicSeconds()
                guard left > 0, Self.fill(&s, waitMs: Int32(min(left * 1000, 1_000_000)) + 1) else {
                    if left <= 0 { return nil }
                    continue
                }
            }
        }
    }

    /// Polls and reads once; false if nothing arrived before the wait ended.
    private static func fill(_ s: inout State, waitMs: Int32) -> Bool {
        guard let revents = try? Sys.poll(s.fd, Int16(POLLIN), timeoutMs: waitMs), revents != 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let fd = s.fd
        do {
            let n = try chunk.withUnsafeMutableBytes { buffer throws(SystemCallError) in try Sys.read(fd, buffer) }
            if let n, n > 0 { s.pending.append(contentsOf: chunk[..<n]) } else if n == 0 { s.eof = true }
        } catch {
            s.eof = true  // EIO and the like: nothing more will come
        }
        return true
    }

    /// Closes the read end; later reads return what is buffered, then nil.
    func close() {
        state.withLock { s in
            if s.fd >= 0 { Sys.close(s.fd); s.fd = -1 }
        }
    }

    deinit { close() }
}

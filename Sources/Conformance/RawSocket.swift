import Glibc
import Harness

/// What one read from the socket produced (Harness's one client socket).
typealias ReadResult = ClientSocket.ReadResult

/// The conformance cases' connection: Harness's `ClientSocket` (the suite's
/// one raw TCP client, independent of the server's code: it sends exactly the
/// bytes given and hands over what it reads unparsed), plus byte-wise sends.
final class RawSocket {
    private let socket: ClientSocket

    var fd: Int32 { socket.fd }

    /// Connects to host:port (IPv4 literal) within `timeout` seconds.
    init(host: String, port: Int, timeout: Double) throws(SystemCallError) {
        socket = try ClientSocket(host: host, port: port, timeout: timeout, noDelay: true)
    }

    /// Writes all of `bytes`; with `bytewise`, one byte per write() with a short
    /// pause so the server's reads really see the fragments. Returns false when
    /// the peer already closed or reset (EPIPE/ECONNRESET): that is an
    /// observation, not an error of the suite.
    @discardableResult
    func send(_ bytes: [UInt8], bytewise: Bool = false) -> Bool {
        guard bytewise else { return (try? socket.send(bytes)) != nil }
        for byte in bytes {
            guard (try? socket.send([byte])) != nil else { return false }
            Sys.sleep(0.0003)
        }
        return true
    }

    /// Waits until `deadline` (monotonic seconds) for bytes, EOF or reset.
    func read(until deadline: Double) -> ReadResult { socket.receive(until: deadline) }

    /// Half-closes the write side: the server sees EOF after what was sent.
    func shutdownWrite() { socket.shutdownWrite() }

    /// Closes with SO_LINGER 0 so the kernel sends RST instead of FIN.
    func resetClose() { socket.resetClose() }
}

/// Monotonic time in seconds (Harness's clock).
enum Clock {
    static func now() -> Double { monotonicSeconds() }
}

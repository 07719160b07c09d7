import Foundation

/// The accept queue of a listening socket, from /proc/net/tcp: for a socket
/// in LISTEN (state 0A) the kernel reports in rx_queue how many established
/// connections wait for accept(2). Lets a test wait for "queued" instead of
/// sleeping.
enum ListenQueue {
    /// Connections queued on the IPv4 listener of `port`, nil if none listens.
    static func length(port: Int) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        let portHex = String(format: ":%04X", port)
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx_queue:rx_queue ...
            guard fields.count > 4, fields[1].hasSuffix(portHex), fields[3] == "0A" else { continue }
            return fields[4].split(separator: ":").last.flatMap { Int($0, radix: 16) }
        }
        return nil
    }
}

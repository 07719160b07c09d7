@preconcurrency import Glibc

/// A connection's remote address, read once at accept (getpeername) and kept
/// as plain data: no heap, no string until someone formats it. IPv4 is held
/// in its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) so one rule covers both.
public struct PeerAddress: Sendable, Equatable, CustomStringConvertible {
    /// How the kernel reported the address.
    public enum Family: Sendable, Equatable { case ipv4, ipv6, unknown }

    /// IPv4 (held IPv4-mapped), IPv6, or unknown.
    public var family: Family
    /// The 16 address bytes as two big-endian words (network order).
    var high: UInt64
    var low: UInt64
    /// The remote TCP port (0 when unknown).
    public var port: Int

    /// An address the kernel could not tell (getpeername failed, or not IP).
    public static let unknown = PeerAddress(family: .unknown, high: 0, low: 0, port: 0)

    init(family: Family, high: UInt64, low: UInt64, port: Int) {
        self.family = family
        self.high = high
        self.low = low
        self.port = port
    }

    /// Parses a numeric address (`127.0.0.1`, `::1`); nil if it is not one.
    public init?(numeric: String, port: Int = 0) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, numeric, &v4) == 1 {
            self.init(ipv4NetworkOrder: v4.s_addr, port: port)
        } else if inet_pton(AF_INET6, numeric, &v6) == 1 {
            self.init(ipv6: v6, port: port)
        } else {
            return nil
        }
    }

    init(ipv4NetworkOrder s_addr: UInt32, port: Int) {
        self.init(family: .ipv4, high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(UInt32(bigEndian: s_addr)), port: port)
    }

    init(ipv6 address: in6_addr, port: Int) {
        let words = withUnsafeBytes(of: address) { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        self.init(family: .ipv6, high: UInt64(bigEndian: words.0), low: UInt64(bigEndian: words.1), port: port)
    }

    /// The address in a sockaddr_storage filled by accept4.
    static func of(_ storage: sockaddr_storage) -> PeerAddress {
        withUnsafePointer(to: storage) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    PeerAddress(ipv4NetworkOrder: $0.pointee.sin_addr.s_addr, port: Int(UInt16(bigEndian: $0.pointee.sin_port)))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    PeerAddress(ipv6: $0.pointee.sin6_addr, port: Int(UInt16(bigEndian: $0.pointee.sin6_port)))
                }
            default:
                return .unknown
            }
        }
    }

    /// True for 127.0.0.0/8 (also IPv4-mapped) and `::1`. The status and
    /// metrics pages answer only these unless `--status-from-anywhere`.
    public var isLoopback: Bool {
        if isIPv4Mapped { return (low >> 24) & 0xFF == 127 }
        return family == .ipv6 && high == 0 && low == 1
    }

    var isIPv4Mapped: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The address alone: `127.0.0.1`, `::1`, `-` when unknown.
    public var host: String {
        var bytes: [UInt8] = []
        appendHost(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `127.0.0.1:5432`, `[::1]:5432`, `-` when unknown.
    public var description: String {
        var bytes: [UInt8] = []
        appendHostPort(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the address (no port) as ASCII, without allocating for IPv4.
    func appendHost(to out: inout [UInt8]) {
        switch family {
        case .unknown:
            out.append(UInt8(ascii: "-"))
        case .ipv4:
            for shift in stride(from: 24, through: 0, by: -8) {
                ASCIIDigits.append(Int((low >> UInt64(shift)) & 0xFF), to: &out)
                if shift > 0 { out.append(UInt8(ascii: ".")) }
            }
        case .ipv6:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { raw in
                raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else {
                out.append(UInt8(ascii: "-"))
                return
            }
            for c in text {
                if c == 0 { break }
                out.append(UInt8(bitPattern: c))
            }
        }
    }

    /// Appends `host:port` (IPv6 bracketed), or `-` when unknown.
    func appendHostPort(to out: inout [UInt8]) {
        guard family != .unknown else { out.append(UInt8(ascii: "-")); return }
        if family == .ipv6 { out.append(UInt8(ascii: "[")) }
        appendHost(to: &out)
        if family == .ipv6 { out.append(UInt8(ascii: "]")) }
        out.append(UInt8(ascii: ":"))
        ASCIIDigits.append(port, to: &out)
    }
}

/// Decimal formatting straight into a byte buffer (no String on the hot path).
enum ASCIIDigits {
    static func append(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            append(value == .min ? .max : -value, to: &out)  // .min cannot occur for our values
            return
        }
        if value < 10 { out.append(UInt8(truncatingIfNeeded: value) &+ 48); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while v > 0 {
                raw[count] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(raw[i]) }
        }
    }

    /// Zero-padded to `width` digits (for timestamps).
    static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<max(width, 1) { divisor *= 10 }
        var v = value
        while divisor > 0 {
            out.append(UInt8(truncatingIfNeeded: (v / divisor) % 10) &+ 48)
            v %= divisor
            divisor /= 10
        }
    }
}

import Harness

/// Byte-level mutations biased towards the bytes HTTP's grammar cares about.
enum Mutator {
    static let interesting: [UInt8] = Array("\r\n \t:;,=\"0aF/?#*-+xX\u{0}\u{B}\u{7F}".utf8) + [0x80, 0xFF]
    static let tokens: [[UInt8]] = ["\r\n", "\r\n\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
                                    "0\r\n\r\n", "Host: a\r\n", "Connection: close\r\n", "HTTP/1.1", ", chunked",
                                    "Expect: 100-continue\r\n", "ffffffffffffffff"].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int(rng.next() % 4 + 1) {
            let i = Int(rng.next() % UInt64(bytes.count + 1))
            let byte = rng.next() & 1 == 0 ? interesting[Int(rng.next() % UInt64(interesting.count))] : UInt8(truncatingIfNeeded: rng.next())
            switch rng.next() % 6 {
            case 0 where i < bytes.count: bytes[i] ^= 1 << UInt8(rng.next() % 8)
            case 1: bytes.insert(byte, at: i)
            case 2 where i < bytes.count: bytes.remove(at: i)
            case 3: bytes.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: i)
            case 4 where i < bytes.count: bytes.removeSubrange(i..<min(bytes.count, i + Int(rng.next() % 16)))
            default:
                let j = min(bytes.count, i + Int(rng.next() % 12))
                bytes.insert(contentsOf: bytes[i..<j], at: i)
            }
        }
        return bytes
    }

    /// Printable form of an input: \r \n \t and \xNN escapes.
    static func escape(_ b: [UInt8]) -> String {
        b.map { c -> String in
            switch c {
            case 13: return "\\r"
            case 10: return "\\n"
            case 9: return "\\t"
            case 92: return "\\\\"
            case 32...126: return String(UnicodeScalar(c))
            default: return "\\x" + String(c, radix: 16)
            }
        }.joined()
    }
}

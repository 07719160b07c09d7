/// An HTTP protocol version as received on the request line ("HTTP/1.1").
///
/// The parser only ever produces 1.0 or 1.1: minor versions 1.2 through 1.9
/// are treated as 1.1 (RFC 9110 2.5), other majors are rejected with 505.
public struct HTTPVersion: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The major version digit.
    public var major: Int
    /// The minor version digit.
    public var minor: Int

    /// Creates a version from its two digits.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0: connections close after each response unless the client asked for keep-alive.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1: connections persist unless either side says `Connection: close`.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// "HTTP/1.1" form, as written on a start line.
    public var description: String { "HTTP/\(major).\(minor)" }
}

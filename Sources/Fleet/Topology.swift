/// The fleet's network layout as pure data: namespace, link and address
/// names derived from the run id (the runner's pid) alone, so a later run can
/// recognise and remove what a crashed one left behind.
///
/// Every link goes through the balancer's namespace: client <-> lb on
/// 10.213.100.0/24, host i <-> lb on 10.213.(i+1).0/24. Nothing is routed and
/// nothing touches the root namespace's interfaces.
public struct Topology: Sendable, Equatable {
    /// The runner's pid: the run id in every name.
    public let runID: Int32
    /// Number of preforkd hosts.
    public let hosts: Int
    /// Port every host's preforkd listens on.
    public let hostPort: Int
    /// Port HAProxy listens on in the lb namespace.
    public let frontendPort: Int

    public init(runID: Int32, hosts: Int, hostPort: Int = 8080, frontendPort: Int = 80) {
        precondition(hosts > 0 && hosts < 100, "hosts must be 1...99")
        self.runID = runID
        self.hosts = hosts
        self.hostPort = hostPort
        self.frontendPort = frontendPort
    }

    /// Prefix of every namespace this tool creates.
    public static let prefix = "pfk-"

    /// `pfk-<pid>-<role>`.
    public func namespace(_ role: String) -> String { "\(Self.prefix)\(runID)-\(role)" }
    public var clientNamespace: String { namespace("client") }
    public var balancerNamespace: String { namespace("lb") }
    public func hostNamespace(_ i: Int) -> String { namespace("h\(i)") }
    /// Every namespace of the run, balancer first.
    public var namespaces: [String] { [balancerNamespace, clientNamespace] + (0..<hosts).map(hostNamespace) }

    /// veth names (at most 15 bytes): the lb end and the far end of a link.
    public func linkBalancerSide(_ role: String) -> String { "pf\(runID)\(role)a" }
    public func linkFarSide(_ role: String) -> String { "pf\(runID)\(role)b" }
    /// Role names of the links: `c` for the client, `h<i>` for the hosts.
    public func hostRole(_ i: Int) -> String { "h\(i)" }

    public var balancerClientAddress: String { "10.213.100.1" }
    public var clientAddress: String { "10.213.100.2" }
    public func balancerHostAddress(_ i: Int) -> String { "10.213.\(i + 1).1" }
    public func hostAddress(_ i: Int) -> String { "10.213.\(i + 1).2" }

    /// The URL the client uses: HAProxy's frontend.
    public var frontendURL: String { "http://\(balancerClientAddress):\(frontendPort)" }

    /// HAProxy's server name for host i (also in `show stat`).
    public func serverName(_ i: Int) -> String { "h\(i)" }

    /// The `ip` argument lists that build the topology, in order.
    public var setupCommands: [[String]] {
        var out: [[String]] = namespaces.map { ["netns", "add", $0] }
        out += namespaces.map { ["-n", $0, "link", "set", "lo", "up"] }
        let links = [("c", clientNamespace, balancerClientAddress, clientAddress)]
            + (0..<hosts).map { (hostRole($0), hostNamespace($0), balancerHostAddress($0), hostAddress($0)) }
        for (role, far, lbAddress, farAddress) in links {
            let a = linkBalancerSide(role), b = linkFarSide(role)
            out.append(["link", "add", a, "netns", balancerNamespace, "type", "veth", "peer", "name", b, "netns", far])
            out.append(["-n", balancerNamespace, "addr", "add", "\(lbAddress)/24", "dev", a])
            out.append(["-n", far, "addr", "add", "\(farAddress)/24", "dev", b])
            out.append(["-n", balancerNamespace, "link", "set", a, "up"])
            out.append(["-n", far, "link", "set", b, "up"])
        }
        return out
    }

    /// The run id in a namespace name of this tool, nil for other names.
    /// `ip netns list` may append " (id: N)".
    public static func runID(ofNamespace line: String) -> Int32? {
        let name = line.split(separator: " ").first.map(String.init) ?? ""
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { return nil }
        return Int32(rest[..<dash])
    }
}

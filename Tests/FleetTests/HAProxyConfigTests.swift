import Testing
@testable import Fleet

@Suite struct HAProxyConfigTests {
    let t = Topology(runID: 4242, hosts: 3)

    @Test func configHasTheChecksRetriesAndAnAbsoluteStatsSocket() {
        let c = HAProxyConfig.render(t, statsSocket: "/tmp/r/haproxy.sock")
        let lines = Set(c.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for expected in [
            "stats socket /tmp/r/haproxy.sock mode 600 level admin",
            "option httpchk GET /__health", "http-check expect status 200",
            "default-server inter 250ms fall 2 rise 2",
            "retry-on conn-failure empty-response response-timeout", "retries 3", "option redispatch",
            "timeout connect 200ms", "http-request disable-l7-retry if METH_POST",
            "bind 10.213.100.1:80",
            "server h0 10.213.1.2:8080 check", "server h1 10.213.2.2:8080 check", "server h2 10.213.3.2:8080 check",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(!c.contains("server h3"))
    }

    @Test func timingFollowsTheSettings() {
        let c = HAProxyConfig.render(t, statsSocket: "/s", timing: HealthTiming(interval: 0.5, fall: 3, rise: 1))
        #expect(c.contains("default-server inter 500ms fall 3 rise 1"))
        #expect(c.contains("timeout check 500ms"))
    }

    @Test func showStatParsesServersByHeader() {
        let csv = """
            # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
            fleet,FRONTEND,,,0,1,2048,10,0,0,0,0,0,,,,,OPEN,
            hosts,h0,0,0,0,1,,5,0,0,,0,,0,0,0,0,UP,1
            hosts,h1,0,0,0,1,,5,0,0,,0,,0,0,0,0,DOWN 1/2,1
            hosts,BACKEND,0,0,0,1,205,10,0,0,0,0,,0,0,0,0,UP,2

            """
        #expect(HAProxyStats.parse(csv) == ["h0": "UP", "h1": "DOWN 1/2"])
        #expect(HAProxyStats.parseRetries(csv) == (0, 0))
        let retried = csv.replacingOccurrences(of: "hosts,BACKEND,0,0,0,1,205,10,0,0,0,0,,0,0,0,0,UP,2",
                                               with: "hosts,BACKEND,0,0,0,1,205,10,0,0,0,0,,0,0,7,3,UP,2")
        #expect(HAProxyStats.parseRetries(retried) == (7, 3))
    }
}

@Suite struct TopologyTests {
    @Test func namesCarryTheRunIDAndFitInterfaceNames() {
        let t = Topology(runID: 4_194_304, hosts: 12)
        #expect(t.namespaces.count == 14)
        #expect(t.balancerNamespace == "pfk-4194304-lb")
        #expect(t.hostNamespace(11) == "pfk-4194304-h11")
        for role in ["c", t.hostRole(11)] {
            #expect(t.linkBalancerSide(role).utf8.count <= 15)
            #expect(t.linkFarSide(role).utf8.count <= 15)
        }
        #expect(Topology.runID(ofNamespace: "pfk-123-h0 (id: 3)") == 123)
        #expect(Topology.runID(ofNamespace: "pfk-123-lb") == 123)
        #expect(Topology.runID(ofNamespace: "other-123-lb") == nil)
        #expect(Topology.runID(ofNamespace: "pfk-x-lb") == nil)
    }

    @Test func setupStaysOnThePrivateSubnetAndEveryLinkEndsInTheBalancer() {
        let t = Topology(runID: 7, hosts: 2)
        for c in t.setupCommands where c.contains("addr") {
            #expect(c.contains { $0.hasPrefix("10.213.") })
        }
        let links = t.setupCommands.filter { $0.starts(with: ["link", "add"]) }
        #expect(links.count == 3)
        #expect(links.allSatisfy { $0[4] == t.balancerNamespace })
    }
}

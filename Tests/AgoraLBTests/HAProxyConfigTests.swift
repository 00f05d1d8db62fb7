@testable import AgoraLB
import AgoraWire
import Testing

/// HAProxy's configuration from the services framework's apps, as marathon-lb renders it.
@Suite struct HAProxyConfigTests {
    private let apps = try! JSONValue.parse(#"""
        {"apps": [
          {"id": "/web", "ports": [], "labels": {"HAPROXY_0_VHOST": "Web.Example.com, bad host!"},
           "networks": [{"mode": "container/bridge"}], "healthChecks": [{"protocol": "HTTP"}],
           "container": {"portMappings": [{"containerPort": 80, "hostPort": 0, "servicePort": 10000}]},
           "tasks": [
             {"id": "web.1", "state": "TASK_RUNNING", "host": "h1", "ports": [31000], "ipAddresses": [{"ipAddress": "10.77.0.2"}],
              "healthCheckResults": [{"alive": true}]},
             {"id": "web.2", "state": "TASK_RUNNING", "host": "h1", "ports": [31001], "ipAddresses": [{"ipAddress": "10.77.0.3"}],
              "healthCheckResults": [{"alive": false}]},
             {"id": "web.3", "state": "TASK_KILLING", "host": "h1", "ports": [31002], "ipAddresses": [{"ipAddress": "10.77.0.4"}],
              "healthCheckResults": [{"alive": true}]}]},
          {"id": "/group/api", "ports": [10001, 10002], "networks": [{"mode": "host"}],
           "tasks": [{"id": "api.1", "state": "TASK_RUNNING", "host": "10.0.0.5", "ports": [31005, 31006]}]}]}
        """#)

    @Test func onlyRunningHealthyInstancesAreBackendsAtTheirReachableAddress() {
        let ports = HAProxyConfig.ports(apps: apps)
        #expect(ports == [
            BalancedPort(app: "/web", index: 0, servicePort: 10000, virtualHosts: ["web.example.com"], backends: ["10.77.0.2:80"]),
            BalancedPort(app: "/group/api", index: 0, servicePort: 10001, virtualHosts: [], backends: ["10.0.0.5:31005"]),
            BalancedPort(app: "/group/api", index: 1, servicePort: 10002, virtualHosts: [], backends: ["10.0.0.5:31006"]),
        ])
    }

    @Test func theConfigurationHasAFrontendPerServicePortAndRoutesVirtualHosts() {
        let text = HAProxyConfig.render(HAProxyConfig.ports(apps: apps), bindIP: "127.0.0.1", httpPort: 8088, statsSocket: "/tmp/s")
        #expect(text.contains("master-worker"))
        #expect(text.contains("frontend web_10000\n    bind 127.0.0.1:10000\n    default_backend web_10000"))
        #expect(text.contains("backend group_api_10002\n    balance roundrobin\n    server s0 10.0.0.5:31006 check inter 2s"))
        #expect(text.contains("bind 127.0.0.1:8088") && text.contains("use_backend web_10000_http if { hdr(host),field(1,:),lower web.example.com }"))
        #expect(!HAProxyConfig.render(HAProxyConfig.ports(apps: apps), bindIP: "127.0.0.1", httpPort: 0, statsSocket: "/tmp/s").contains("virtual_hosts"))
    }
}

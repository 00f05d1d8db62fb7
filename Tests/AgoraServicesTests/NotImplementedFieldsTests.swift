@testable import AgoraServices
import AgoraWire
import Testing

/// Marathon fields Agora does not implement are refused by name when they ask for anything, never dropped.
@Suite struct NotImplementedFieldsTests {
    private func problems(_ extra: String) -> [String] {
        guard let json = try? JSONValue.parse(Array(#"{"id": "/a", "cmd": "true", \#(extra)}"#.utf8)) else { return ["bad JSON"] }
        do {
            _ = try AppJSON.parse(json)
            return []
        } catch {
            return error.details.map { "\($0.path) \($0.error)" }
        }
    }

    @Test func fieldsThatAskForSomethingAreRefused() {
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox", "parameters": [{"key": "cap-add", "value": "ALL"}]}}"#)
                .first?.hasPrefix("/container/docker/parameters are not supported") == true)
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox", "network": "USER"}}"#)
                .first?.contains("USER is not supported here: name the app's networks in 'networks'") == true)
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox"}, "portMappings": [{"containerPort": 80, "hostPort": 0}]}"#)
                .first?.hasPrefix("/container/portMappings(0)/containerPort on the host's network the container listens on its host port") == true)
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "b"}, "volumes": [{"containerPath": "/d", "persistent": {"size": 10}}]}"#)
                == ["/container/volumes(0)/persistent persistent volumes are not implemented by Agora"])
        #expect(problems(#""fetch": [{"uri": "http://example.com/a.tgz", "cache": true}]"#)
                == ["/fetch(0) URI 'http://example.com/a.tgz': the fetcher cache (cache: true) is not implemented"])
        #expect(problems(#""uris": ["hdfs://namenode/a.tgz"]"#).first?.contains("cannot be fetched") == true)
        #expect(problems(#""networks": [{"mode": "container", "name": "dcos", "labels": {"a": "b"}}]"#).contains("/networks(0)/labels network labels are not implemented by Agora"))
        #expect(problems(#""networks": [{"mode": "container", "name": "dcos"}]"#) == ["/networks container networks need a container image ('container')"])
    }

    @Test func emptyAndDefaultValuesAreFine() {
        #expect(problems(#""container": null, "fetch": [], "uris": [], "networks": [{"mode": "host"}], "executor": "//cmd""#).isEmpty)
    }
}

/// Marathon's `container`: an image run by the agents' OCI runtime, read and shown back, and turned into the task's
/// Mesos container.
@Suite struct AppContainerTests {
    @Test func aDockerContainerIsParsedRenderedAndBecomesTheTasksContainer() throws {
        let app = try AppJSON.parse(try JSONValue.parse(Array(#"""
            {"id": "/web", "container": {"type": "DOCKER", "docker": {"image": "registry:5000/web:1", "forcePullImage": true,
             "privileged": true, "parameters": [], "network": "HOST"},
             "volumes": [{"containerPath": "/data", "hostPath": "/srv/data", "mode": "RO"}, {"containerPath": "logs", "hostPath": "logs"}],
             "portMappings": [{"containerPort": 8081, "hostPort": 8081}, {"containerPort": 0, "hostPort": 8080, "name": "http"}]}}
            """#.utf8)))
        let container = try #require(app.container)
        #expect(container.image == "registry:5000/web:1" && container.forcePullImage && container.privileged)
        #expect(app.ports == [8081, 8080] && app.requirePorts)
        #expect(app.cmd == nil)
        let info = container.containerInfo(networks: app.networks, hostPorts: [8081, 8080])
        #expect(info.type == .docker && info.imageName == "registry:5000/web:1" && info.forcePull)
        #expect(info.volumes == [Volume(mode: .ro, containerPath: "/data", hostPath: "/srv/data"),
                                 Volume(mode: .rw, containerPath: "logs", hostPath: "logs")])
        let again = try AppJSON.parse(AppJSON.render(app, status: nil, tasks: nil))
        #expect(again.container == app.container && again.ports == app.ports)
    }

    @Test func aMesosContainerNamesItsImageInMesosInfo() throws {
        let app = try AppJSON.parse(try JSONValue.parse(Array(#"{"id": "/m", "args": ["x"], "container": {"type": "MESOS", "docker": {"image": "busybox:1.36"}}}"#.utf8)))
        let info = try #require(app.container?.containerInfo(networks: app.networks, hostPorts: []))
        #expect(info.type == .mesos && info.mesos?.image?.type == .docker && info.imageName == "busybox:1.36" && !info.forcePull)
    }

    @Test func withoutAnImageAnAppStillNeedsACommand() {
        #expect(throws: AppValidationError.self) { try AppJSON.parse(try JSONValue.parse(Array(#"{"id": "/x"}"#.utf8))) }
    }
}

/// Marathon's `fetch` (and legacy `uris`) become the task's `CommandInfo.uris`, and are shown back as `fetch`.
@Suite struct AppFetchTests {
    @Test func fetchAndUrisAreParsedAndRendered() throws {
        let fetch = try AppJSON.parse(try JSONValue.parse(Array(#"""
            {"id": "/a", "cmd": "./run", "fetch": [{"uri": "http://h/run", "executable": true, "extract": false},
                                                   {"uri": "https://h/data.tgz", "outputFile": "data.tgz"}]}
            """#.utf8)))
        #expect(fetch.fetch == [.init(value: "http://h/run", executable: true, extract: false, cache: false),
                                .init(value: "https://h/data.tgz", executable: false, extract: true, cache: false, outputFile: "data.tgz")])
        let legacy = try AppJSON.parse(try JSONValue.parse(Array(#"{"id": "/b", "cmd": "x", "uris": ["/opt/tools.tar"]}"#.utf8)))
        #expect(legacy.fetch == [.init(value: "/opt/tools.tar", executable: false, extract: true, cache: false)])
        let shown = AppJSON.render(fetch, status: nil, tasks: nil)
        #expect(shown["fetch"]?.text == #"[{"uri":"http://h/run","executable":true,"extract":false,"cache":false},{"uri":"https://h/data.tgz","executable":false,"extract":true,"cache":false,"outputFile":"data.tgz"}]"#)
        #expect(try AppJSON.parse(shown) == fetch, "what is shown reads back the same")
    }
}

/// Marathon's `networks` and container port mappings: where instances are on the network, which host ports they
/// take, and the Mesos networks their tasks ask for.
@Suite struct AppNetworksTests {
    private func parse(_ text: String) throws -> AppDefinition { try AppJSON.parse(try JSONValue.parse(Array(text.utf8))) }

    private func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch let error as AppValidationError {
            return error.details.map { "\($0.path) \($0.error)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aBridgeAppTakesHostPortsFromTheOfferAndMapsThemToItsContainerPorts() throws {
        let app = try parse(#"""
            {"id": "/web", "networks": [{"mode": "container/bridge"}], "container": {"type": "DOCKER", "docker": {"image": "web:1"},
             "portMappings": [{"containerPort": 80, "name": "http", "labels": {"VIP_0": "web:80"}}, {"containerPort": 9000, "hostPort": 0, "protocol": "udp"}]},
             "healthChecks": [{"protocol": "HTTP", "portIndex": 0}]}
            """#)
        #expect(app.networks == .bridge && app.ports == [0, 0] && !app.requirePorts)
        let info = try #require(app.container).containerInfo(networks: app.networks, hostPorts: [31001, 31002])
        #expect(info.networkInfos == [NetworkInfo(name: "mesos-bridge", portMappings: [
            .init(hostPort: 31001, containerPort: 80, protocol: "tcp"), .init(hostPort: 31002, containerPort: 9000, protocol: "udp")])])
        #expect(app.environmentPorts(hostPorts: [31001, 31002]) == [31001, 31002] && app.hostPortIndex(0) == 0)
        let again = try AppJSON.parse(AppJSON.render(app, status: nil, tasks: nil))
        #expect(again == app, "rendered and read back unchanged")
    }

    @Test func aNamedContainerNetworkNeedsNoHostPorts() throws {
        let app = try parse(#"""
            {"id": "/db", "networks": [{"mode": "container", "name": "backend"}], "container": {"type": "MESOS", "docker": {"image": "db:1"},
             "portMappings": [{"containerPort": 5432}, {"containerPort": 8080, "hostPort": 0}]},
             "healthChecks": [{"protocol": "TCP", "portIndex": 1}]}
            """#)
        #expect(app.networks == .container(["backend"]) && app.ports == [0])
        #expect(app.environmentPorts(hostPorts: [31005]) == [5432, 31005] && app.hostPortIndex(1) == 0 && app.hostPortIndex(0) == nil)
        let info = try #require(app.container).containerInfo(networks: app.networks, hostPorts: [31005])
        #expect(info.networkInfos.map(\.name) == ["backend"] && info.networkInfos[0].portMappings == [.init(hostPort: 31005, containerPort: 8080, protocol: "tcp")])
        #expect(try AppJSON.parse(AppJSON.render(app, status: nil, tasks: nil)) == app)
    }

    @Test func legacyDockerBridgeMeansContainerBridge() throws {
        let app = try parse(#"{"id": "/old", "container": {"type": "DOCKER", "docker": {"image": "web:1", "network": "BRIDGE"}, "portMappings": [{"containerPort": 80}]}}"#)
        #expect(app.networks == .bridge && app.ports == [0])
    }

    @Test func badNetworksAreRefusedByField() {
        let image = #""container": {"type": "DOCKER", "docker": {"image": "web:1"}, "portMappings": [{"containerPort": 0}]}"#
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "container"}], \#(image)}"#)
                .contains { $0.hasPrefix("/networks(0)/name a container network needs a name") })
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "host"}, {"mode": "container/bridge"}], \#(image)}"#)
                .contains("/networks one mode per app: host, container/bridge, or container networks"))
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "overlay"}], \#(image)}"#).contains("/networks(0)/mode must be host, container/bridge or container (got overlay)"))
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "container", "name": "n"}], \#(image)}"#)
                .contains("/container/portMappings(0)/containerPort a mapping without a host port needs its container port"))
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "container/bridge"}], "portDefinitions": [{"port": 0}], "container": {"docker": {"image": "w"}}}"#)
                .contains("/portDefinitions apps on container networks declare their ports in container.portMappings"))
        #expect(problems(#"{"id": "/a", "networks": [{"mode": "container", "name": "n"}], "container": {"docker": {"image": "w"}, "portMappings": [{"containerPort": 80}]}, "healthChecks": [{"protocol": "HTTP", "portIndex": 0}]}"#)
                .contains { $0.hasPrefix("/healthChecks(0)/portIndex port 0 has no host port") })
        #expect(problems(#"{"id": "/a", \#(image.replacingOccurrences(of: "\"containerPort\": 0", with: "\"containerPort\": 0, \"protocol\": \"sctp\""))}"#)
                .contains("/container/portMappings(0)/protocol must be tcp or udp"))
    }
}

/// Service ports: unique across apps, from the range when asked for as 0, stable across updates.
@Suite struct ServicePortsTests {
    private func app(_ id: String, ports: [Int]) -> AppDefinition {
        var app = AppDefinition(id: id)
        app.ports = ports
        return app
    }

    @Test func zerosGetTheLowestFreePortsAndKeepThemAcrossUpdates() throws {
        let ports = ServicePorts(range: 10000...10003)
        var web = app("/web", ports: [0, 0])
        try ports.assign(&web, previous: nil, others: [])
        #expect(web.ports == [10000, 10001])
        var db = app("/db", ports: [0, 10003])
        try ports.assign(&db, previous: nil, others: [web])
        #expect(db.ports == [10002, 10003])
        var updated = app("/web", ports: [0, 0, 0])
        #expect(throws: ServiceError.self) { try ports.assign(&updated, previous: web, others: [web, db]) }
        updated = app("/web", ports: [0, 0])
        try ports.assign(&updated, previous: web, others: [web, db])
        #expect(updated.ports == web.ports, "an update asking for 0 keeps the ports it had")
    }

    @Test func aPortAnotherAppHoldsIsAConflict() throws {
        let ports = ServicePorts()
        var web = app("/web", ports: [10080])
        try ports.assign(&web, previous: nil, others: [])
        var other = app("/other", ports: [10080])
        do {
            try ports.assign(&other, previous: nil, others: [web])
            Issue.record("no conflict")
        } catch ServiceError.conflict(let message) {
            #expect(message == "servicePort 10080 is already used by app /web")
        }
    }

    @Test func containerMappingsCarryTheirServicePorts() throws {
        var app = try AppJSON.parse(try JSONValue.parse(Array(#"""
            {"id": "/web", "networks": [{"mode": "container/bridge"}], "container": {"docker": {"image": "w"},
             "portMappings": [{"containerPort": 80}, {"containerPort": 81, "servicePort": 10000}]}}
            """#.utf8)))
        try ServicePorts().assign(&app, previous: nil, others: [])
        #expect(app.container?.portMappings.map(\.servicePort) == [10001, 10000] && ServicePorts.of(app) == [10001, 10000])
        #expect(app.ports == [0, 0], "host ports still come from offers")
    }
}

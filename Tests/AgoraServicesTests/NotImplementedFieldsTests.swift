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
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox", "network": "BRIDGE"}}"#)
                .first?.contains("container networks (BRIDGE) are not implemented yet") == true)
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox"}, "portMappings": [{"containerPort": 80, "hostPort": 0}]}"#)
                .first?.hasPrefix("/container/portMappings(0)/containerPort a container port other than its host port") == true)
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "b"}, "volumes": [{"containerPath": "/d", "persistent": {"size": 10}}]}"#)
                == ["/container/volumes(0)/persistent persistent volumes are not implemented by Agora"])
        #expect(problems(#""fetch": [{"uri": "http://example.com/a.tgz", "cache": true}]"#)
                == ["/fetch(0) URI 'http://example.com/a.tgz': the fetcher cache (cache: true) is not implemented"])
        #expect(problems(#""uris": ["hdfs://namenode/a.tgz"]"#).first?.contains("cannot be fetched") == true)
        #expect(problems(#""networks": [{"mode": "container", "name": "dcos"}]"#) == ["/networks is not implemented by Agora yet"])
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
        let info = container.containerInfo
        #expect(info.type == .docker && info.imageName == "registry:5000/web:1" && info.forcePull)
        #expect(info.volumes == [Volume(mode: .ro, containerPath: "/data", hostPath: "/srv/data"),
                                 Volume(mode: .rw, containerPath: "logs", hostPath: "logs")])
        let again = try AppJSON.parse(AppJSON.render(app, status: nil, tasks: nil))
        #expect(again.container == app.container && again.ports == app.ports)
    }

    @Test func aMesosContainerNamesItsImageInMesosInfo() throws {
        let app = try AppJSON.parse(try JSONValue.parse(Array(#"{"id": "/m", "args": ["x"], "container": {"type": "MESOS", "docker": {"image": "busybox:1.36"}}}"#.utf8)))
        let info = try #require(app.container?.containerInfo)
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

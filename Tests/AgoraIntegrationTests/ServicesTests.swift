import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

private let webApp = #"""
{"id": "/web", "cmd": "exec python3 -m http.server $PORT0 --bind 127.0.0.1", "instances": 3, "cpus": 0.1, "mem": 32,
 "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0, "gracePeriodSeconds": 15,
                   "intervalSeconds": 0.5, "timeoutSeconds": 2, "maxConsecutiveFailures": 3}]}
"""#

/// Talks to the services framework's REST API.
struct ServicesClient {
    let cluster: Cluster
    let daemon: Daemon

    func send(_ method: HTTPMethod, _ target: String, _ body: String? = nil) throws -> HTTPResponse {
        var result: Result<HTTPResponse, HTTPError>?
        let request = HTTPRequest(method: method, target: target, headers: ["Content-Type": "application/json"],
                                  body: Array((body ?? "").utf8))
        HTTPClient.send(loop: cluster.loop, to: daemon.address!, request) { result = $0 }
        try cluster.wait("\(method) \(target)") { result != nil }
        return try result!.get()
    }

    func json(_ target: String) throws -> JSONValue { try JSONValue.parse(try send(.get, target).body) }

    func app(_ id: String) throws -> JSONValue? { try json("/v2/apps\(id)")["app"] }

    func tasks(_ id: String) throws -> [JSONValue] {
        guard case .array(let tasks)? = try app(id)?["tasks"] else { return [] }
        return tasks
    }

    func count(_ id: String, _ key: String) -> Int {
        guard case .number(let value)? = (try? app(id))?[key] else { return -1 }
        return Int(value) ?? -1
    }

    /// Waits until the app has exactly `count` healthy tasks and no deployment.
    func waitHealthy(_ id: String, _ count: Int, timeout: Duration = .seconds(30)) throws {
        try cluster.wait("\(count) healthy instances of \(id)", timeout: timeout) {
            guard let app = try? app(id), case .array(let deployments)? = app["deployments"] else { return false }
            return self.count(id, "tasksHealthy") == count && self.count(id, "tasksRunning") == count && deployments.isEmpty
        }
    }
}

@Suite(.serialized) struct ServicesTests {
    @Test func appsStartScaleAndReplaceFailedInstances() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[30100-30149]")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let created = try services.send(.post, "/v2/apps", webApp)
            #expect(created.status == .created, "\(created.bodyText)")
            try services.waitHealthy("/web", 3)

            // Every instance answers on its advertised host and port.
            for task in try services.tasks("/web") {
                guard case .array(let ports)? = task["ports"], case .number(let port)? = ports.first,
                      let number = UInt16(port) else {
                    Issue.record("task without a port: \(task.text)")
                    continue
                }
                var answer: Result<HTTPResponse, HTTPError>?
                HTTPClient.send(loop: cluster.loop, to: SocketAddress(host: "127.0.0.1", port: number),
                                HTTPRequest(method: .get, target: "/")) { answer = $0 }
                try cluster.wait("the instance on \(number)") { answer != nil }
                #expect((try? answer?.get())?.status == .ok)
            }
            let endpoints = try services.send(.get, "/v2/apps/web/endpoints").bodyText
            #expect(endpoints.split(separator: "\n").count == 3)

            let original = Set(try services.tasks("/web").compactMap { $0["id"]?.textValue })
            #expect(try services.send(.put, "/v2/apps/web", #"{"instances": 5}"#).status == .ok)
            try services.waitHealthy("/web", 5)
            // Scaling up adds instances; the running ones stay.
            #expect(original.isSubset(of: Set(try services.tasks("/web").compactMap { $0["id"]?.textValue })))
            #expect(try services.send(.put, "/v2/apps//web?force=true", #"{"instances": 1}"#).status == .ok)
            try services.waitHealthy("/web", 1)

            // Kill the instance's process behind the framework's back: it is replaced.
            let before = try services.tasks("/web").compactMap { $0["id"]?.textValue }
            let state = try cluster.getJSON(agent, "/state")
            guard case .array(let running)? = state["tasks"],
                  let pid = running.compactMap({ task -> Int32? in
                      if case .number(let pid)? = task["pid"], task["state"] == .string("TASK_RUNNING") { return Int32(pid) }
                      return nil
                  }).first else {
                Issue.record("no running task on the agent: \(state.text)")
                return
            }
            kill(pid, SIGKILL)
            try cluster.wait("a replacement", timeout: .seconds(30)) {
                let now = (try? services.tasks("/web").compactMap { $0["id"]?.textValue }) ?? []
                return now.count == 1 && Set(now).isDisjoint(with: before) && services.count("/web", "tasksHealthy") == 1
            }
            #expect(try services.send(.delete, "/v2/apps/web").status == .ok)
            try cluster.wait("the app's instances to end") { (try? services.json("/v2/tasks"))?.list("tasks").isEmpty == true }
            #expect(try services.send(.get, "/v2/apps/web").status == .notFound)
        }
    }

    @Test func uniqueHostnameLeavesAnInstanceWaitingWithTheReason() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:512;disk:64;ports:[31000-31009]", hostname: "host-a")
            try cluster.addAgent("cpus:2;mem:512;disk:64;ports:[32000-32009]", hostname: "host-b")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let app = #"{"id": "/spread", "cmd": "sleep 600", "instances": 3, "cpus": 0.1, "mem": 16, "constraints": [["hostname", "UNIQUE"]]}"#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try cluster.wait("two instances and a waiting one", timeout: .seconds(20)) {
                guard services.count("/spread", "tasksRunning") == 2,
                      let queue = try? services.json("/v2/queue"), let item = queue.list("queue").first else { return false }
                return item["count"] == .number("1") && item.text.contains("hostname:UNIQUE")
            }
            let hosts = Set(try services.tasks("/spread").compactMap { $0["host"]?.textValue })
            #expect(hosts == ["host-a", "host-b"])
        }
    }

    @Test func requiredPortsAreTheDeclaredNumbersOrTheInstanceWaits() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:512;disk:64;ports:[30400-30409]")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let zero = #"{"id": "/fixed", "cmd": "sleep 600", "requirePorts": true, "portDefinitions": [{"port": 0}]}"#
            let refused = try services.send(.post, "/v2/apps", zero)
            #expect(refused.status == .unprocessableEntity && refused.bodyText.contains("requirePorts"), "\(refused.bodyText)")

            let app = #"{"id": "/fixed", "cmd": "echo $PORT0,$PORT1; sleep 600", "instances": 2, "cpus": 0.1, "mem": 16, "#
                + #""requirePorts": true, "portDefinitions": [{"port": 30407}, {"port": 30402}]}"#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try cluster.wait("one instance and one waiting for its ports", timeout: .seconds(20)) {
                guard services.count("/fixed", "tasksRunning") == 1,
                      let queue = try? services.json("/v2/queue"), let item = queue.list("queue").first else { return false }
                return item["count"] == .number("1") && item.text.contains("InsufficientResources ports")
            }
            let task = try #require(try services.tasks("/fixed").first)
            #expect(task["ports"] == .array([.number("30407"), .number("30402")]))
            // The task sees its ports in the declared order, as Marathon gives them.
            let sandbox = try cluster.getJSON(agent, "/state").list("tasks").first?["sandbox"]?.textValue ?? ""
            try cluster.wait("the task's output") {
                (try? cluster.getJSON(agent, "/files/read?path=\(sandbox)/stdout"))?["data"] == .string("30407,30402\n")
            }
            #expect(try services.json("/v2/apps/fixed").text.contains(#""requirePorts":true"#))
        }
    }

    @Test func restartingTheFrameworkMidDeploymentLosesNothing() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[30100-30149]")
            let stateDirectory = cluster.directory + "/services-state"
            let first = try cluster.addServices(workDirectory: stateDirectory)
            var services = ServicesClient(cluster: cluster, daemon: first)
            #expect(try services.send(.post, "/v2/apps", webApp).status == .created)
            try cluster.wait("the first instance to launch") { services.count("/web", "tasksStaged") + services.count("/web", "tasksRunning") > 0 }
            try first.process.kill(.terminate)
            try cluster.wait("agora-services to stop") { first.exit != nil }

            services = ServicesClient(cluster: cluster, daemon: try cluster.addServices(workDirectory: stateDirectory))
            try services.waitHealthy("/web", 3, timeout: .seconds(40))
            // Nothing was launched twice: the agent runs exactly the three instances.
            let master = try cluster.getJSON(cluster.master, "/state")
            let running = master.list("frameworks").flatMap { $0.list("tasks") }.filter { $0["state"] == .string("TASK_RUNNING") }
            #expect(running.count == 3)
            #expect(master.list("frameworks").count == 1)
        }
    }
}

extension JSONValue {
    var textValue: String? { if case .string(let value) = self { value } else { nil } }
}

@Suite(.serialized) struct ServicesUpgradeTests {
    @Test func rollingUpdateKeepsHalfTheInstancesHealthyThroughout() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:4;mem:2048;disk:1024;ports:[30200-30249]")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let app = webApp.replacingOccurrences(of: #""instances": 3"#, with: #""instances": 4"#)
                .replacingOccurrences(of: #""mem": 32,"#, with: #""mem": 32, "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0},"#)
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try services.waitHealthy("/web", 4)
            let oldVersion = try services.app("/web")?["version"]?.textValue

            let update = #"{"cmd": "exec python3 -m http.server $PORT0 --bind 127.0.0.1 --directory /tmp"}"#
            #expect(try services.send(.put, "/v2/apps/web", update).status == .ok)
            var lowest = Int.max
            var samples = 0
            try cluster.wait("the rolling update", timeout: .seconds(60)) {
                let healthy = services.count("/web", "tasksHealthy")
                if healthy >= 0 {
                    lowest = min(lowest, healthy)
                    samples += 1
                }
                guard let app = try? services.app("/web"), case .array(let deployments)? = app["deployments"],
                      case .array(let tasks)? = app["tasks"] else { return false }
                return deployments.isEmpty && tasks.count == 4
                    && tasks.allSatisfy { $0["version"]?.textValue != oldVersion } && healthy == 4
            }
            #expect(samples > 5)
            #expect(lowest >= 2, "only \(lowest) healthy instances at one point")
        }
    }

    @Test func failingHealthCheckIsReplacedWithBackoff() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[30200-30249]")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let app = #"""
            {"id": "/sick", "cmd": "sleep 600", "instances": 1, "cpus": 0.1, "mem": 16, "backoffSeconds": 1,
             "backoffFactor": 2, "healthChecks": [{"protocol": "COMMAND", "command": {"value": "exit 1"},
             "gracePeriodSeconds": 0, "intervalSeconds": 0.2, "timeoutSeconds": 1, "maxConsecutiveFailures": 1}]}
            """#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            var seen = Set<String>()
            var sawDelay = false
            try cluster.wait("three instances, replaced with backoff", timeout: .seconds(40)) {
                for task in (try? services.tasks("/sick")) ?? [] { if let id = task["id"]?.textValue { seen.insert(id) } }
                if let item = (try? services.json("/v2/queue"))?.list("queue").first,
                   case .number(let left)? = item["delay"]?["timeLeftSeconds"], (Double(left) ?? 0) > 0 {
                    sawDelay = true
                }
                return seen.count >= 3 && sawDelay
            }
            #expect(services.count("/sick", "tasksHealthy") == 0)
        }
    }
}

@Suite(.serialized) struct MarathonClientTests {
    @Test func marathonPythonClientDrivesTheServicesFramework() throws {
        guard let python = PythonClients.python() else { return }
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31049]")
            let services = try cluster.addServices()
            let result = try cluster.run(python, [PythonClients.fixture("marathon_client.py"),
                                                  "http://\(services.address!)"], timeout: .seconds(120))
            #expect(result.exit.succeeded, "marathon client said:\n\(result.stdout)\n\(result.stderr.suffix(3000))")
            for step in ["CREATED /hello", "GET /hello 2 2", "TASKS 2", "SCALED 3", "UPDATED sleep 601", "DELETED", "OK"] {
                #expect(result.stdout.contains(step), "missing \(step) in:\n\(result.stdout)")
            }
        }
    }
}

@Suite(.serialized) struct AppCLITests {
    @Test func appCommandsDriveTheServicesFramework() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31049]")
            let services = try cluster.addServices()
            let agora = Cluster.binary("agora")
            let environment = ["AGORA_SERVICES": "http://\(services.address!)"]
            let definition = cluster.directory + "/sleeper.json"
            try Data(#"{"id": "/tools/sleeper", "cmd": "sleep 600", "instances": 1, "cpus": 0.1, "mem": 16}"#.utf8)
                .write(to: URL(fileURLWithPath: definition))
            let created = try cluster.run(agora, ["app", "create", "-f", definition], environment: environment)
            #expect(created.exit.succeeded, "\(created.stderr)")
            #expect(created.stdout.hasPrefix("created /tools/sleeper"))
            let client = ServicesClient(cluster: cluster, daemon: services)
            try cluster.wait("the instance") { client.count("/tools/sleeper", "tasksRunning") == 1 }

            let list = try cluster.run(agora, ["app", "list"], environment: environment)
            #expect(list.stdout.contains("/tools/sleeper"))
            let scaled = try cluster.run(agora, ["app", "scale", "/tools/sleeper", "2"], environment: environment)
            #expect(scaled.exit.succeeded)
            try cluster.wait("two instances") { client.count("/tools/sleeper", "tasksRunning") == 2 }
            let tasks = try cluster.run(agora, ["app", "tasks", "tools/sleeper"], environment: environment)
            #expect(tasks.stdout.components(separatedBy: "TASK_RUNNING").count - 1 == 2)
            let deployments = try cluster.run(agora, ["deployments"], environment: environment)
            #expect(deployments.exit.succeeded)

            let bad = cluster.directory + "/bad.json"
            try Data(#"{"id": "/tools/bad", "cmd": "true", "cpus": "lots"}"#.utf8).write(to: URL(fileURLWithPath: bad))
            let refused = try cluster.run(agora, ["app", "create", "-f", bad], environment: environment)
            #expect(refused.exit.code == 1)
            #expect(refused.stderr.contains("/cpus: must be a number"))

            let deleted = try cluster.run(agora, ["app", "delete", "/tools/sleeper"], environment: environment)
            #expect(deleted.exit.succeeded)
            let missing = try cluster.run(agora, ["app", "show", "/tools/sleeper"], environment: environment)
            #expect(missing.exit.code == 1)
        }
    }
}

@Suite(.serialized) struct ServicesAPITests {
    @Test func eventsVersionsDeploymentsAndTheRestOfTheAPI() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31049]")
            let daemon = try cluster.addServices()
            let services = ServicesClient(cluster: cluster, daemon: daemon)

            // Server-sent events, as marathon clients read them.
            var events = ""
            HTTPClientConnection.connect(loop: cluster.loop, to: daemon.address!) { result in
                guard case .success(let connection) = result else { return }
                connection.stream(HTTPRequest(method: .get, target: "/v2/events", headers: ["Accept": "text/event-stream"]),
                                  onHead: { _ in }, onBody: { events += String(decoding: $0, as: UTF8.self) },
                                  onEnd: { _ in connection.close() })
            }
            cluster.idle(.milliseconds(200))
            let app = #"{"id": "/api", "cmd": "sleep 600", "instances": 1, "cpus": 0.1, "mem": 16}"#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try cluster.wait("a running instance") { services.count("/api", "tasksRunning") == 1 }
            try cluster.wait("status events") { events.contains("event: status_update_event") && events.contains("TASK_RUNNING") }
            let data = events.split(separator: "\n").first { $0.hasPrefix("data: ") && $0.contains("TASK_RUNNING") }
            let event = try JSONValue.parse(String(data!.dropFirst(6)))
            #expect(event["eventType"] == .string("status_update_event"))
            #expect(event["timestamp"] != nil)

            // Versions: one per stored definition.
            #expect(try services.send(.put, "/v2/apps/api", #"{"cmd": "sleep 601"}"#).status == .ok)
            let versions = try services.json("/v2/apps/api/versions").list("versions")
            #expect(versions.count == 2)
            if case .string(let first)? = versions.last {
                #expect(try services.json("/v2/apps/api/versions/\(first)")["cmd"] == .string("sleep 600"))
            }

            // A deployment can be cancelled: the app goes back to its previous definition.
            #expect(try services.send(.put, "/v2/apps/api?force=true", #"{"cmd": "sleep 602", "cpus": 64}"#).status == .ok)
            guard case .array(let running) = try services.json("/v2/deployments"), let deployment = running.first?["id"]?.textValue else {
                Issue.record("no deployment in progress")
                return
            }
            #expect(try services.send(.delete, "/v2/deployments/\(deployment)").status == .ok)
            try cluster.wait("the rollback") { (try? services.app("/api"))?["cpus"] == .number("0.1") }

            // Bulk update, task kill with scale, groups, metrics, ping.
            #expect(try services.send(.put, "/v2/apps", #"[{"id": "/api", "instances": 2}]"#).status == .ok)
            try cluster.wait("two instances and no deployment") {
                services.count("/api", "tasksRunning") == 2 && (try? services.json("/v2/deployments")) == .array([])
            }
            let victim = try services.tasks("/api").first!["id"]!.textValue!
            #expect(try services.send(.delete, "/v2/apps/api/tasks/\(victim)?scale=true").status == .ok)
            try cluster.wait("one instance") { services.count("/api", "tasksRunning") == 1 && services.count("/api", "instances") == 1 }
            #expect(try services.send(.get, "/v2/groups").status == .notImplemented)
            #expect(try services.send(.get, "/metrics").bodyText.contains("agora_services_apps 1"))
            #expect(try services.send(.get, "/ping").bodyText == "pong")
            #expect(try services.send(.get, "/v2/apps/nope").status == .notFound)
            #expect(try services.send(.post, "/v2/apps", app).status == .conflict)
        }
    }
}

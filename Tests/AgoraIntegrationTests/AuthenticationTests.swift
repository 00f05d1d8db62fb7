import AgoraAuth
import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation
import Testing

/// A cluster whose master authenticates frameworks, agents and operators, with ACLs; files in its directory.
private struct SecureCluster {
    static let secrets = ["ops": "ops-secret-1", "fw": "fw-secret-2", "agent": "agent-secret-3", "mallory": "mallory-secret-4"]

    let cluster: Cluster
    /// Where the credentials, ACLs, agent credential and framework secret files are.
    let directory: String

    static func basic(_ principal: String) -> String {
        Credential(principal: principal, secret: secrets[principal]!).authorizationHeader
    }

    static func masterFlags(_ directory: String) throws -> [String] {
        let credentials = JSONValue.object([("credentials", .array(secrets.sorted { $0.key < $1.key }.map {
            .object([("principal", .string($0.key)), ("secret", .string($0.value))])
        }))])
        try credentials.text.write(toFile: directory + "/credentials.json", atomically: true, encoding: .utf8)
        let acls = """
            {"permissive": true,
             "run_tasks": [{"principals": {"values": ["fw"]}, "users": {"values": ["root", "nobody"]}},
                           {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
             "kill_tasks": [{"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}},
                            {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}],
             "teardown_frameworks": [{"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}},
                                     {"principals": {"type": "ANY"}, "framework_principals": {"type": "NONE"}}]}
            """
        try acls.write(toFile: directory + "/acls.json", atomically: true, encoding: .utf8)
        try #"{"principal": "agent", "secret": "\#(secrets["agent"]!)"}"#.write(toFile: directory + "/agent.json", atomically: true, encoding: .utf8)
        try (secrets["fw"]! + "\n").write(toFile: directory + "/fw.secret", atomically: true, encoding: .utf8)
        return ["--credentials", directory + "/credentials.json", "--authenticate-frameworks", "--authenticate-agents",
                "--authenticate-http", "--acls", directory + "/acls.json"]
    }

    var agentFlags: [String] { ["--credential", directory + "/agent.json"] }
    var frameworkFlags: [String] { ["--principal", "fw", "--secret-file", directory + "/fw.secret"] }
}

/// Processes whose command line contains `marker` (the tasks of a test).
private func processes(containing marker: String) -> Int {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
        guard let data = try? Files.read("/proc/\(pid)/cmdline").bytes else { return false }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.first.map { $0.hasSuffix("sleep") } == true && words.contains(marker)
    }.count
}

private func withSecureCluster(_ body: (SecureCluster) throws -> Void) throws {
    let scratch = try ScratchDirectory()
    try withCluster(masterFlags: try SecureCluster.masterFlags(scratch.path)) { cluster in
        try body(SecureCluster(cluster: cluster, directory: scratch.path))
    }
}

@Suite(.serialized) struct AuthenticationTests {
    @Test func theFourAttacksFailAndChangeNothing() throws {
        try withSecureCluster { secure in
            let cluster = secure.cluster
            let agent = try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31230-31239]", flags: secure.agentFlags)
            let services = try cluster.addServices(flags: secure.frameworkFlags)
            let app = #"{"id": "/db", "cmd": "sleep 6101", "cpus": 0.1, "mem": 16, "instances": 2, "env": {"DB_PASSWORD": "hunter2"}}"#
            #expect(try cluster.send(services, .post, "/v2/apps", body: app).status == .created)
            try cluster.wait("two instances", timeout: .seconds(20)) { processes(containing: "6101") == 2 }
            let state = try cluster.getJSON(cluster.master, "/state")
            guard case .string(let frameworkID)? = state.list("frameworks").first?["id"],
                  case .string(let agentID)? = state.list("agents").first?["id"],
                  case .string(let taskID)? = try cluster.getJSON(agent, "/state").list("tasks").first?["id"] else {
                Issue.record("no framework, agent or task in \(state.text)")
                return
            }

            // 1. Kill a task through the operator endpoint.
            let kill = #"{"task_id": "\#(taskID)"}"#
            #expect(try cluster.send(cluster.master, .post, "/tasks/kill", body: kill).status == .unauthorized)
            #expect(try cluster.send(cluster.master, .post, "/tasks/kill", body: kill,
                                     headers: ["Authorization": SecureCluster.basic("mallory")]).status == .forbidden)
            #expect(try cluster.send(cluster.master, .post, "/teardown", body: "frameworkId=\(frameworkID)",
                                     headers: ["Authorization": SecureCluster.basic("mallory")]).status == .forbidden)

            // 2. Subscribe with the services framework's id.
            let takeover = #"{"type": "SUBSCRIBE", "framework_id": {"value": "\#(frameworkID)"}, "subscribe": {"framework_info": {"user": "root", "name": "evil", "id": {"value": "\#(frameworkID)"}}}}"#
            #expect(try cluster.send(cluster.master, .post, "/api/v1/scheduler", body: takeover).status == .unauthorized)
            let thief = cluster.scheduler("thief", format: .json) { scheduler in
                scheduler.info.id = FrameworkID(frameworkID)
                scheduler.authorization = SecureCluster.basic("mallory")
            }
            try cluster.wait("the takeover to be refused") { thief.subscribeRefusal != nil }
            #expect(thief.subscribeRefusal == .forbidden)
            thief.close()

            // 3. Subscribe as the existing agent, with no tasks.
            let impostor = #"{"type": "SUBSCRIBE", "agent_id": {"value": "\#(agentID)"}, "subscribe": {"agent_info": {"hostname": "evil", "id": {"value": "\#(agentID)"}}}}"#
            #expect(try cluster.send(cluster.master, .post, "/api/v1/agent", body: impostor).status == .unauthorized)
            #expect(try cluster.send(cluster.master, .post, "/api/v1/agent", body: impostor,
                                     headers: ["Authorization": SecureCluster.basic("agent")]).status == .forbidden)

            // 4. Register a fake agent to receive tasks.
            let fake = #"{"type": "SUBSCRIBE", "subscribe": {"agent_info": {"hostname": "fake", "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 8}}, {"name": "mem", "type": "SCALAR", "scalar": {"value": 8192}}]}}}"#
            #expect(try cluster.send(cluster.master, .post, "/api/v1/agent", body: fake).status == .unauthorized)

            cluster.idle(.seconds(2))
            #expect(processes(containing: "6101") == 2, "nothing was killed, lost or duplicated")
            let after = try cluster.getJSON(cluster.master, "/state")
            #expect(after.list("agents").count == 1)
            #expect(after.list("frameworks").first?["active"] == .bool(true))
            #expect(try cluster.getJSON(services, "/v2/tasks").list("tasks").count == 2)
            let metrics = try cluster.get(cluster.master, "/metrics").bodyText
            #expect(metrics.contains(#"agora_master_auth_failures_total{reason="unauthenticated"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"agora_master_auth_failures_total{reason="forbidden"} 4"#), "\(metrics)")
            for daemon in cluster.daemons {
                for secret in SecureCluster.secrets.values { #expect(!daemon.logs.contains(secret), "\(daemon.name) logged a secret") }
            }
            #expect(!after.text.contains("secret"))

            // The operator with rights kills, as before.
            #expect(try cluster.send(cluster.master, .post, "/tasks/kill", body: kill,
                                     headers: ["Authorization": SecureCluster.basic("ops")]).status == .accepted)
        }
    }

    @Test func tasksRunAsTheirUserWhenTheACLsAllowIt() throws {
        try withSecureCluster { secure in
            let cluster = secure.cluster
            let agent = try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31240-31249]", flags: secure.agentFlags)
            let scheduler = cluster.scheduler("users", format: .json) { $0.authorization = SecureCluster.basic("fw") }
            let offer = try cluster.offer(for: scheduler)
            var nobody = try shellTask("as-nobody", "id -u; id -g; echo $USER; touch mine", on: offer, resources: "cpus:0.1;mem:32")
            nobody.command?.user = "nobody"
            var daemon = try shellTask("as-daemon", "id -u", on: offer, resources: "cpus:0.1;mem:32")
            daemon.command?.user = "daemon"
            scheduler.launch([nobody, daemon], on: offer)
            try cluster.wait("as-nobody to finish") { scheduler.states(of: "as-nobody").last == .finished }
            try cluster.wait("as-daemon to be refused") { scheduler.states(of: "as-daemon").last == .error }
            #expect(scheduler.lastStatus(of: "as-daemon")?.message?.contains("user 'daemon'") == true)
            let state = try cluster.getJSON(agent, "/state")
            let sandbox = (state.list("tasks") + state.list("completed_tasks")).first { $0["id"] == .string("as-nobody") }?["sandbox"]
            guard case .string(let path)? = sandbox else {
                Issue.record("no sandbox for as-nobody")
                return
            }
            let output = try String(contentsOfFile: path + "/stdout", encoding: .utf8)
            #expect(output == "65534\n65534\nnobody\n")
            var info = stat()
            #expect(stat(path + "/mine", &info) == 0 && info.st_uid == 65534)
            scheduler.close()
        }
    }

    @Test func pymesosAndTheMarathonClientAuthenticate() throws {
        guard let python = PythonClients.python() else { return }
        try withSecureCluster { secure in
            let cluster = secure.cluster
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31250-31299]", flags: secure.agentFlags)
            let pymesos = try cluster.run(python, [PythonClients.fixture("pymesos_framework.py"), cluster.masterAddress.description, "2",
                                                   "fw", SecureCluster.secrets["fw"]!], timeout: .seconds(90))
            #expect(pymesos.exit.succeeded, "pymesos said: \(pymesos.stdout)\n\(pymesos.stderr.suffix(2000))")
            #expect(pymesos.stdout.contains("ALL FINISHED 2"))

            let services = try cluster.addServices(flags: secure.frameworkFlags + [
                "--authenticate-http", "--credentials", secure.directory + "/credentials.json"])
            #expect(try cluster.get(services, "/v2/apps").status == .unauthorized)
            #expect(try cluster.get(services, "/v2/apps", headers: ["Authorization": "Bearer \(SecureCluster.secrets["ops"]!)"]).status == .ok)
            let marathon = try cluster.run(python, [PythonClients.fixture("marathon_client.py"), "http://\(services.address!)",
                                                    "ops", SecureCluster.secrets["ops"]!], timeout: .seconds(120))
            #expect(marathon.exit.succeeded, "marathon client said:\n\(marathon.stdout)\n\(marathon.stderr.suffix(3000))")
            #expect(marathon.stdout.contains("OK"))
            #expect(try cluster.get(services, "/metrics", headers: ["Authorization": SecureCluster.basic("ops")]).bodyText
                .contains("agora_services_auth_failures_total 1"))
        }
    }
}

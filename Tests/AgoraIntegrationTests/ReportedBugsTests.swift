import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// Bugs found while reading the code (issue 10), each pinned by a test that failed before its fix.
@Suite(.serialized) struct ReportedBugsTests {
    @Test func killingAnotherAppsTaskThroughAnAppIsRefusedAndKillsNothing() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31500-31509]")
            let services = try cluster.addServices()
            for id in ["a", "b"] {
                let app = #"{"id": "/\#(id)", "cmd": "sleep 600", "cpus": 0.1, "mem": 16}"#
                #expect(try cluster.send(services, .post, "/v2/apps", body: app).status == .created)
            }
            var victim = ""
            try cluster.wait("b's task") {
                guard let tasks = try? cluster.getJSON(services, "/v2/apps/b/tasks")["tasks"],
                      case .array(let list) = tasks, case .string(let id)? = list.first?["id"] else { return false }
                victim = id
                return true
            }
            let refused = try cluster.send(services, .delete, "/v2/apps/a/tasks/\(victim)")
            #expect(refused.status == .notFound, "\(refused.bodyText)")
            cluster.idle(.milliseconds(500))
            let tasks = try cluster.getJSON(services, "/v2/apps/b/tasks")["tasks"]
            guard case .array(let list)? = tasks else {
                Issue.record("no tasks for b")
                return
            }
            #expect(list.count == 1 && list.first?["id"] == .string(victim) && list.first?["state"] == .string("TASK_RUNNING"),
                    "b's task was left alone: \(String(describing: tasks))")
        }
    }

    @Test func theCLIReadsHelpGlobalOptionsPositionalFilesAndAgentsByAddress() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31510-31519]", hostname: "host0.invalid")
            let agora = Cluster.binary("agora")

            let help = try cluster.run(agora, ["exec", "--help"], environment: ["AGORA_MASTER": "http://127.0.0.1:1"])
            #expect(help.exit.succeeded && help.stdout.contains("OVERVIEW"), "\(help.stdout)\(help.stderr)")

            let master = "http://\(cluster.masterAddress)"
            let agents = try cluster.run(agora, ["--master", master, "agents"], environment: ["AGORA_MASTER": "http://127.0.0.1:1"])
            #expect(agents.exit.succeeded, "\(agents.stderr)")
            #expect(agents.stdout.contains("host0.invalid"))

            // The agent's hostname does not resolve: exec reaches it at the address it registered from.
            let exec = try cluster.run(agora, ["exec", "--", "sh", "-c", "echo out; exit 7"])
            #expect(exec.exit == ProcessExit(code: 7, signal: nil), "\(exec.stderr)")
            #expect(exec.stdout == "out\n")

            let services = try cluster.addServices()
            let definition = cluster.directory + "/positional.json"
            try Data(#"{"id": "/positional", "cmd": "sleep 600", "cpus": 0.1, "mem": 16}"#.utf8).write(to: URL(fileURLWithPath: definition))
            let created = try cluster.run(agora, ["app", "create", definition], environment: ["AGORA_SERVICES": "http://\(services.address!)"])
            #expect(created.exit.succeeded && created.stdout.hasPrefix("created /positional"), "\(created.stderr)")
        }
    }

    @Test func rangeAndSetAttributesKeepTheirValues() throws {
        let ports = Attribute(name: "spare", type: .ranges, ranges: ValueRanges([ValueRange(begin: 1, end: 3), ValueRange(begin: 7, end: 7)]))
        #expect(ports.valueText == "[1-3,7-7]")
        #expect(Attribute(name: "disks", type: .set, set: ValueSet(["a", "b"])).valueText == "{a,b}")
        #expect(Attribute(name: "level", type: .scalar, scalar: Scalar(3)).valueText == "3")
        #expect(Attribute.text("rack", "r1").valueText == "r1")
    }
}

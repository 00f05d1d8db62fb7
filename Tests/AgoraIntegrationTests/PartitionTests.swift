import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Glibc
import Testing

/// An agent cut off (SIGSTOP) for longer than its pings allow, then back (SIGCONT): real processes, real timers.
@Suite(.serialized) struct PartitionTests {
    private let fastPings = ["--agent-ping-timeout", "200ms", "--max-agent-ping-timeouts", "2"]

    @Test func aPartitionAwareFrameworkSeesUnreachableThenRunningAgain() throws {
        try withCluster(masterFlags: fastPings) { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let scheduler = cluster.scheduler("aware", format: .json) { $0.info.capabilities = [.init(type: .partitionAware)] }
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("sleeper", "sleep 60", on: offer, resources: "cpus:0.5;mem:64")], on: offer)
            try cluster.wait("TASK_RUNNING") { scheduler.states(of: "sleeper").last == .running }

            try agent.process.kill(Signal(rawValue: SIGSTOP))
            try cluster.wait("TASK_UNREACHABLE") { scheduler.states(of: "sleeper").last == .unreachable }
            let answer = try cluster.getJSON(cluster.master, "/state")
            #expect(answer["agents"] == .array([]), "the unreachable agent is not offered")
            try agent.process.kill(Signal(rawValue: SIGCONT))
            try cluster.wait("TASK_RUNNING again", timeout: .seconds(20)) { scheduler.states(of: "sleeper").last == .running }
            #expect(scheduler.states(of: "sleeper").suffix(2) == [.unreachable, .running])
            // The same run: the agent never restarted the task.
            let back = try cluster.getJSON(agent, "/state")
            #expect(back.list("tasks").filter { $0["id"] == .string("sleeper") }.map { $0["state"] } == [.string("TASK_RUNNING")])
            scheduler.close()
        }
    }

    @Test func theServicesFrameworkReplacesAfterInactiveAfterAndKillsTheSurplusWhenTheInstanceReturns() throws {
        try withCluster(masterFlags: fastPings) { cluster in
            let agents = [
                "one": try cluster.addAgent("cpus:1;mem:512;disk:512;ports:[31000-31009]", hostname: "one"),
                "two": try cluster.addAgent("cpus:1;mem:512;disk:512;ports:[31010-31019]", hostname: "two"),
            ]
            let services = try cluster.addServices()
            let app = #"{"id": "/steady", "cmd": "sleep 600", "instances": 1, "cpus": 0.5, "mem": 32, "unreachableStrategy": {"inactiveAfterSeconds": 1, "expungeAfterSeconds": 3600}}"#
            #expect(try cluster.send(services, .post, "/v2/apps", body: app).status == .created)
            func tasks() -> [JSONValue] { (try? cluster.getJSON(services, "/v2/apps/steady/tasks"))?.list("tasks") ?? [] }
            try cluster.wait("the instance to run") { tasks().first?["state"] == .string("TASK_RUNNING") }
            let original = tasks()[0]["id"]
            let first = try #require(tasks()[0]["host"]?.textValue.flatMap { agents[$0] })

            try first.process.kill(Signal(rawValue: SIGSTOP))
            try cluster.wait("a replacement after inactiveAfterSeconds", timeout: .seconds(20)) {
                tasks().contains { $0["id"] != original && $0["state"] == .string("TASK_RUNNING") }
            }
            try first.process.kill(Signal(rawValue: SIGCONT))
            try cluster.wait("one instance again: the original", timeout: .seconds(30)) {
                let now = tasks()
                return now.count == 1 && now[0]["id"] == original && now[0]["state"] == .string("TASK_RUNNING")
            }
        }
    }
}

import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Glibc
import Testing

/// Agents restarted on their work directory (after SIGKILL, after SIGTERM) with `--recover=reconnect`.
@Suite(.serialized) struct AgentRecoveryTests {
    @Test func aRestartedAgentKeepsItsTasksAndReportsTheRealEndOfOneThatExitedWhileItWasDown() throws {
        // Pings slow enough that 4 s away is no partition.
        try withCluster(masterFlags: ["--agent-ping-timeout", "5secs"]) { cluster in
            var agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]", flags: ["--recover", "reconnect"])
            let scheduler = cluster.scheduler("survivor", format: .json)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([
                try shellTask("long", "sleep 60", on: offer, resources: "cpus:0.2;mem:32"),
                try shellTask("short", "sleep 2; exit 3", on: offer, resources: "cpus:0.2;mem:32"),
            ], on: offer)
            try cluster.wait("both running") {
                scheduler.states(of: "long").last == .running && scheduler.states(of: "short").last == .running
            }
            let longPID = try #require(try cluster.taskPID("long", on: agent))
            try cluster.adoptTaskGroups(of: agent)
            // The task's memory cgroup (made under the first agent's group) must go with the task after the restarts.
            let cgroups = (try? String(contentsOfFile: "/proc/\(longPID)/cgroup", encoding: .utf8)) ?? ""
            let memoryGroup = cgroups.split(separator: "\n").first { $0.contains(":memory:/agora/") }
                .map { "/sys/fs/cgroup/memory" + String($0.split(separator: ":", maxSplits: 2)[2]) }

            // SIGKILL, down for 4 s (the short task ends meanwhile), restarted on the same work directory.
            try agent.process.kill(.kill)
            try cluster.wait("the agent to die") { agent.exit != nil }
            cluster.idle(.seconds(4))
            agent = try cluster.restart(agent)
            try cluster.wait("the end of the short task", timeout: .seconds(20)) { scheduler.states(of: "short").last == .failed }
            #expect(scheduler.lastStatus(of: "short")?.exitCode == 3, "the real exit status, not a guess")
            try cluster.wait("the long task back on the agent") { (try? cluster.taskPID("long", on: agent)) == longPID }
            #expect(kill(longPID, 0) == 0, "the same process still runs")

            // SIGTERM this time: the task keeps running through the restart too.
            try agent.process.kill(.terminate)
            try cluster.wait("the agent to stop") { agent.exit != nil }
            #expect(kill(longPID, 0) == 0, "stopping the agent left the task running")
            agent = try cluster.restart(agent)
            try cluster.wait("the long task back on the agent again") { (try? cluster.taskPID("long", on: agent)) == longPID }
            cluster.idle(.seconds(1))
            #expect(scheduler.states(of: "long") == [.starting, .running], "no update but the first two: nothing lost or replaced")
            // One terminal update (delivery is at least once, as in Mesos: an agent resending it before the framework's
            // acknowledgement reached the master may deliver the same update, same uuid, twice).
            let terminal = scheduler.updates.filter { $0.taskID == "short" && $0.state.isTerminal }
            #expect(Set(terminal.map(\.state)) == [.failed] && Set(terminal.compactMap(\.uuid)).count == 1, "one terminal update: \(terminal)")
            scheduler.kill("long")
            try cluster.wait("the long task killed") { scheduler.states(of: "long").last == .killed }
            if let memoryGroup {
                try cluster.wait("its cgroup removed by the restarted agent") { !FileManager.default.fileExists(atPath: memoryGroup) }
            }
            scheduler.close()
        }
    }

    @Test func aTaskCheckpointedByAnAgentOfTheFilePerTaskLayoutIsRecoveredIntoTheLog() throws {
        try withCluster(masterFlags: ["--agent-ping-timeout", "5secs"]) { cluster in
            var agent = try cluster.addAgent("cpus:1;mem:512;disk:512", flags: ["--recover", "reconnect"])
            let workDirectory = try #require(agent.arguments.firstIndex(of: "--work-dir").map { agent.arguments[$0 + 1] })
            let scheduler = cluster.scheduler("upgraded", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("old", "sleep 60", on: offer, resources: "cpus:0.2;mem:32")], on: offer)
            try cluster.wait("the task running") { scheduler.states(of: "old").last == .running }
            let pid = try #require(try cluster.taskPID("old", on: agent))
            try cluster.adoptTaskGroups(of: agent)
            try agent.process.kill(.kill)
            try cluster.wait("the agent to die") { agent.exit != nil }

            // What an agent before the log left: meta/tasks/<framework>/<task>/task.json holding the checkpoint.
            let log = workDirectory + "/meta/tasks.log"
            let records = try AppendLog(path: log).recovered.compactMap {
                try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
            }
            let record = try #require(records.last { $0["task"] as? String == "old" && $0["checkpoint"] != nil })
            let framework = try #require(record["framework"] as? String)
            let legacy = "\(workDirectory)/meta/tasks/\(framework)/old"
            try FileManager.default.createDirectory(atPath: legacy, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: try #require(record["checkpoint"]))
                .write(to: URL(fileURLWithPath: legacy + "/task.json"))
            try FileManager.default.removeItem(atPath: log)

            agent = try cluster.restart(agent)
            try cluster.wait("the task back on the agent") { (try? cluster.taskPID("old", on: agent)) == pid }
            #expect(!FileManager.default.fileExists(atPath: workDirectory + "/meta/tasks/\(framework)"))
            try cluster.wait("the task in the log") {
                ((try? AppendLog(path: log).recovered) ?? []).contains { String(decoding: $0, as: UTF8.self).contains("\"task\":\"old\"") }
            }
            scheduler.kill("old")
            try cluster.wait("the task killed") { scheduler.states(of: "old").last == .killed }
            #expect(scheduler.states(of: "old") == [.starting, .running, .killed])
            scheduler.close()
        }
    }
}

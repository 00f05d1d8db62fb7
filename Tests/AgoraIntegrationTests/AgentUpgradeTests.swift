import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Glibc
import Testing

/// An operator restarts both agents of a cluster under a live workload, one crashed (SIGKILL) and one stopped
/// (SIGTERM), as an agent upgrade does: the workload must not notice.
@Suite(.serialized) struct AgentUpgradeTests {
    @Test func restartingBothAgentsUnderServicesAndCronLosesNothing() throws {
        // Pings slow enough that 10 s away is no partition.
        try withCluster(masterFlags: ["--agent-ping-timeout", "15secs"]) { cluster in
            var agents = [
                try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]", hostname: "host-a", flags: ["--recover", "reconnect"]),
                try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31010-31019]", hostname: "host-b", flags: ["--recover", "reconnect"]),
            ]
            let services = try cluster.addServices()
            let cron = try cluster.addCron()
            let created = try cluster.send(services, .post, "/v2/apps", body: """
                {"id": "/sleeper", "cmd": "sleep 600", "instances": 4, "cpus": 0.1, "mem": 32,
                 "constraints": [["hostname", "MAX_PER", "2"]],
                 "healthChecks": [{"protocol": "COMMAND", "command": {"value": "test -d /proc/1"}, "intervalSeconds": 1,
                                   "gracePeriodSeconds": 10}]}
                """)
            #expect(created.status == .created, "\(created.bodyText)")
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 1).rounded(.up))
            let job = try cluster.send(cron, .post, "/scheduler/iso8601", body: """
                {"name": "beat", "command": "true", "owner": "o", "schedule": "R/\(ISO8601DateFormatter().string(from: start))/PT5S",
                 "epsilon": "PT30S"}
                """)
            #expect(job.status == .noContent || job.status == .ok || job.status == .created, "\(job.bodyText)")

            /// Task id → pid of every running task of the app, from both agents.
            func pids() -> [String: Int32] {
                var found: [String: Int32] = [:]
                for agent in agents {
                    guard let state = try? cluster.getJSON(agent, "/state") else { continue }
                    for task in state.list("tasks") {
                        guard case .string(let id)? = task["id"], id.hasPrefix("sleeper"), task["state"] == .string("TASK_RUNNING"),
                              case .number(let pid)? = task["pid"], let value = Int32(pid) else { continue }
                        found[id] = value
                    }
                }
                return found
            }
            try cluster.wait("4 instances running on the 2 agents", timeout: .seconds(30)) { pids().count == 4 }
            let before = pids()
            for agent in agents { try cluster.adoptTaskGroups(of: agent) }
            try cluster.wait("a cron run", timeout: .seconds(15)) { succeededRuns(cron, cluster).count >= 1 }

            // host-a crashes and comes back 10 s later on the same work directory.
            try agents[0].process.kill(.kill)
            try cluster.wait("host-a to die") { agents[0].exit != nil }
            cluster.idle(.seconds(10))
            agents[0] = try cluster.restart(agents[0])
            try cluster.wait("host-a's instances back", timeout: .seconds(20)) { pids() == before }

            // host-b is stopped (SIGTERM) and restarted.
            try agents[1].process.kill(.terminate)
            try cluster.wait("host-b to stop") { agents[1].exit != nil }
            agents[1] = try cluster.restart(agents[1])
            try cluster.wait("host-b's instances back", timeout: .seconds(20)) { pids() == before }
            cluster.idle(.seconds(6))

            #expect(pids() == before, "the same 4 processes run")
            try cluster.wait("the 4 instances healthy, checked by the restarted agents") {
                guard let app = try? cluster.getJSON(services, "/v2/apps/sleeper")["app"] else { return false }
                return app["tasksHealthy"] == .number("4")
            }
            for pid in before.values { #expect(kill(pid, 0) == 0, "process \(pid) still runs") }
            let tasks = try cluster.getJSON(services, "/v2/apps/sleeper/tasks").list("tasks")
            #expect(Set(tasks.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }) == Set(before.keys),
                    "no instance was replaced")

            let runs = succeededRuns(cron, cluster)
            let due = runs.compactMap { scheduled($0) }.map { Int(($0.timeIntervalSince(start) / 5).rounded()) }.sorted()
            #expect(!due.isEmpty && due == Array(0..<due.count), "every due time ran once, none skipped: \(due)")
            #expect(try metric(cluster, services, "agora_services_terminal_updates_repeated_total") == 0)
            #expect(try metric(cluster, services, "agora_services_terminal_updates_total") == 0, "no instance ended")
            #expect(try metric(cluster, cron, "agora_cron_terminal_updates_repeated_total") == 0)
            // The beat job keeps running: a run can end between the two reads (one more run than ends), or its end be
            // counted before its record is listed (one fewer, for a moment). An end seen twice would stay one ahead.
            var (ends, finishedRuns) = (0, 0)
            try? cluster.wait("each run's end counted once", timeout: .seconds(10)) {
                ends = (try? metric(cluster, cron, "agora_cron_terminal_updates_total")) ?? -1
                finishedRuns = succeededRuns(cron, cluster).count
                return finishedRuns == ends || finishedRuns == ends + 1
            }
            #expect(finishedRuns == ends || finishedRuns == ends + 1, "each run's end seen once (\(ends) ends, \(finishedRuns) runs)")
        }
    }
}

private func succeededRuns(_ cron: Daemon, _ cluster: Cluster) -> [JSONValue] {
    guard case .array(let runs)? = try? cluster.getJSON(cron, "/scheduler/job/beat/runs") else { return [] }
    return runs.filter { $0["outcome"] == .string("succeeded") }
}

private func scheduled(_ run: JSONValue) -> Date? {
    guard case .string(let text)? = run["scheduled"] else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}

/// The value of an unlabelled metric in a daemon's `/metrics`.
private func metric(_ cluster: Cluster, _ daemon: Daemon, _ name: String) throws -> Int {
    let text = try cluster.get(daemon, "/metrics").bodyText
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { Double($0.split(separator: " ").last ?? "").map { Int($0) } } ?? -1
}

import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// Sandboxes stay bounded: disk quotas are enforced, output is rotated, and tasks see a clean environment.
@Suite(.serialized) struct TaskLimitsTests {
    @Test func diskQuotaLogRotationAndACleanEnvironment() throws {
        setenv("AGORA_AGENT_CANARY", "agent-secret-value", 1)
        defer { unsetenv("AGORA_AGENT_CANARY") }
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31300-31309]", flags: [
                "--log-max-size", "64KB", "--log-max-files", "3", "--disk-watch-interval", "200ms",
                "--executor-environment-variables", #"{"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}"#,
            ])
            let scheduler = cluster.scheduler("limits", format: .json)
            let offer = try cluster.offer(for: scheduler)
            let flood = try shellTask("flood", "head -c 20000000 /dev/zero | tr '\\\\0' x; env > env.txt",
                                      on: offer, resources: "cpus:0.2;mem:64;disk:100")
            let hog = try shellTask("hog", "dd if=/dev/urandom of=big bs=1M count=30 2>/dev/null; sleep 60",
                                    on: offer, resources: "cpus:0.2;mem:64;disk:5")
            let started = ContinuousClock.now
            scheduler.launch([flood, hog], on: offer)
            try cluster.wait("the hog to be stopped", timeout: .seconds(30)) { scheduler.states(of: "hog").last?.isTerminal == true }
            let stopped = ContinuousClock.now - started
            let status = scheduler.lastStatus(of: "hog")
            #expect(status?.state == .failed)
            #expect(status?.reason == .containerLimitationDisk, "\(String(describing: status))")
            #expect(status?.message?.contains("exceeds the quota (5 MB)") == true, "\(status?.message ?? "")")
            print("limits: a task writing 30 MB with disk:5 was stopped after \(stopped)")

            try cluster.wait("the flood to finish", timeout: .seconds(60)) { scheduler.states(of: "flood").last == .finished }
            let state = try cluster.getJSON(agent, "/state")
            let sandbox = (state.list("tasks") + state.list("completed_tasks")).first { $0["id"] == .string("flood") }?["sandbox"]?.textValue ?? ""
            let logs = try FileManager.default.contentsOfDirectory(atPath: sandbox).filter { $0.hasPrefix("stdout") }
            let total = try logs.reduce(0) { sum, name in
                sum + ((try FileManager.default.attributesOfItem(atPath: sandbox + "/" + name)[.size] as? Int) ?? 0)
            }
            print("limits: 20,000,000 bytes of stdout left \(total) bytes in \(logs.sorted())")
            #expect(total <= 64 * 1024 * 3)
            #expect(Set(logs) == ["stdout", "stdout.1", "stdout.2"])

            let environment = try String(contentsOfFile: sandbox + "/env.txt", encoding: .utf8)
            #expect(!environment.contains("AGORA_AGENT_CANARY"), "the agent's environment leaked:\n\(environment)")
            #expect(environment.contains("LANG=C.UTF-8"))
            #expect(environment.contains("MESOS_TASK_ID=flood"))
            scheduler.close()
        }
    }
}

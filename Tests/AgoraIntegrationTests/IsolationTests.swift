import AgoraResources
import AgoraClusterTesting
import AgoraWire
import Foundation
import Testing

/// Whether this host lets us create cgroups (root with a writable cgroup file system).
private let cgroupsAvailable: Bool = {
    let probe = "/sys/fs/cgroup/memory/agora-test-probe-\(getpid())"
    if (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: false)) != nil {
        rmdir(probe)
        return true
    }
    return FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") && getuid() == 0
}()

@Suite(.serialized, .enabled(if: cgroupsAvailable, "needs writable cgroups")) struct IsolationTests {
    @Test func taskOverItsMemoryIsFailedWithTheMemoryReason() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            #expect(try cluster.getJSON(agent, "/state")["isolation"]?.textValue?.hasPrefix("cgroups") == true)
            let scheduler = cluster.scheduler("isolation", format: .json)
            let offer = try cluster.offer(for: scheduler)
            let hog = "python3 -c 'import time; x = bytearray(300 * 1024 * 1024); time.sleep(10)'"
            scheduler.launch([
                try shellTask("hog", hog, on: offer, resources: "cpus:0.2;mem:64"),
                try shellTask("modest", "python3 -c 'x = bytearray(8 * 1024 * 1024)'", on: offer, resources: "cpus:0.2;mem:64"),
            ], on: offer)
            try cluster.wait("the hog to fail and the modest task to finish", timeout: .seconds(20)) {
                scheduler.states(of: "hog").last == .failed && scheduler.states(of: "modest").last == .finished
            }
            let status = scheduler.lastStatus(of: "hog")
            #expect(status?.reason == .containerLimitationMemory)
            #expect(status?.message?.contains("64 MB") == true)
            scheduler.close()
        }
    }

    @Test func stoppingTheAgentRemovesItsCgroups() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let scheduler = cluster.scheduler("cleanup", format: .json)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch(try (1...3).map { try shellTask("sleeper-\($0)", "sleep 600", on: offer, resources: "cpus:0.1;mem:32") },
                             on: offer)
            try cluster.wait("the sleepers to run") { (1...3).allSatisfy { scheduler.states(of: TaskID("sleeper-\($0)")).last == .running } }
            let groups = ["memory", "cpu", "pids", ""].map { "/sys/fs/cgroup/\($0)/agora/\(agent.process.pid)" }
                .filter { FileManager.default.fileExists(atPath: $0) }
            #expect(!groups.isEmpty)
            try agent.process.kill(.terminate)
            try cluster.wait("the agent to stop") { agent.exit != nil }
            for group in groups { #expect(!FileManager.default.fileExists(atPath: group), "\(group) is left behind") }
            scheduler.close()
        }
    }

    @Test func taskSeesItsOwnPIDNamespace() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            guard try cluster.getJSON(agent, "/state")["isolation"]?.textValue?.hasSuffix("+namespaces") == true else {
                print("unshare does not work on this host: PID namespaces are not in use")
                return
            }
            let scheduler = cluster.scheduler("pidns", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("alone", "echo pid=$$; ls /proc | grep -c '^[0-9]'", on: offer, resources: "cpus:0.1;mem:32")],
                             on: offer)
            try cluster.wait("the task to finish") { scheduler.states(of: "alone").last == .finished }
            let state = try cluster.getJSON(agent, "/state")
            let sandbox = (state.list("tasks") + state.list("completed_tasks")).first { $0["id"] == .string("alone") }?["sandbox"]?.textValue
            let output = try cluster.getJSON(agent, "/files/read?path=\(sandbox ?? "")/stdout")["data"]?.textValue ?? ""
            let lines = output.split(separator: "\n")
            #expect(lines.first == "pid=1", "\(output)")
            #expect((Int(lines.last ?? "") ?? 99) <= 3, "processes visible in the task's /proc: \(output)")
            scheduler.close()
        }
    }
}

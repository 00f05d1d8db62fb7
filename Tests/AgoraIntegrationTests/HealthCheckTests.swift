import AgoraResources
import AgoraClusterTesting
import AgoraWire
import Foundation
import Testing

/// Suites that bind their tasks' ports use ranges of their own (suites run in parallel), all below
/// Linux's ephemeral range (32768 and up), where the daemons' own `--port 0` sockets land.
@Suite(.serialized) struct HealthCheckTests {
    @Test func httpCheckReportsHealthyAndCommandCheckKillsAnUnhealthyTask() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[30000-30009]")
            let scheduler = cluster.scheduler("health", format: .json)
            let offer = try cluster.offer(for: scheduler)
            let room = try #require(Resources(offer.resources).fit(ResourceDemand(cpus: 0.2, mem: 64, ports: 1)))
            let port = room.ranges("ports").values[0]
            var web = TaskInfo(name: "web", taskID: "web", agentID: offer.agentID,
                               resources: room.wire(allocationRole: offer.allocationInfo?.role),
                               command: .shell("exec python3 -m http.server $PORT0 --bind 127.0.0.1"))
            web.healthCheck = HealthCheck(type: .http, http: .init(port: UInt32(port), path: "/"), delaySeconds: 0.2,
                                          intervalSeconds: 0.3, timeoutSeconds: 2, consecutiveFailures: 3,
                                          gracePeriodSeconds: 10)
            var sick = TaskInfo(name: "sick", taskID: "sick", agentID: offer.agentID,
                                resources: try Resources(parsing: "cpus:0.1;mem:32").wire(allocationRole: offer.allocationInfo?.role),
                                command: .shell("sleep 60"))
            sick.healthCheck = HealthCheck(type: .command, command: .shell("exit 1"), delaySeconds: 0,
                                           intervalSeconds: 0.2, timeoutSeconds: 1, consecutiveFailures: 2,
                                           gracePeriodSeconds: 0)
            scheduler.launch([web, sick], on: offer)

            try cluster.wait("web to turn healthy", timeout: .seconds(20)) {
                scheduler.updates.contains { $0.taskID == "web" && $0.healthy == true }
            }
            let healthy = scheduler.updates.first { $0.taskID == "web" && $0.healthy == true }
            #expect(healthy?.state == .running)
            #expect(healthy?.reason == .taskHealthCheckStatusUpdated)

            try cluster.wait("sick to be killed", timeout: .seconds(20)) { scheduler.states(of: "sick").last == .killed }
            #expect(scheduler.updates.contains { $0.taskID == "sick" && $0.healthy == false && $0.state == .running })
            #expect(scheduler.lastStatus(of: "sick")?.message?.contains("health check failed") == true)
            scheduler.close()
        }
    }
}

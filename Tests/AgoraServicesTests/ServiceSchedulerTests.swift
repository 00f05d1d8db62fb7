import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraSchedulerTesting
@testable import AgoraServices
import AgoraWire
import Logging
import Testing

/// The services framework against a fake master: what it does with the master's answers.
@Suite struct ServiceSchedulerTests {
    /// An instance whose launch the master never received (its call connection dropped with the stream) is answered
    /// TASK_UNKNOWN on reconciliation: it is not running, so the framework replaces it, without a failure's backoff.
    @Test func instancesTheMasterDoesNotKnowAreReplacedAfterResubscribing() throws {
        let scratch = try ScratchDirectory()
        var master: FakeMaster!
        var framework: ServicesFramework!
        var step = 0
        var posted: HTTPStatus?
        var launched: [TaskID] = []
        var reconciled: Set<TaskID> = []
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            framework = try ServicesFramework(
                loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), master: master.address,
                workDirectory: scratch.path, logger: Logger(label: "test"))
        }, until: {
            switch step {
            case 0 where master.subscriptions == 1:
                step = 1
                let app = #"{"id": "/web", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16, "instances": 2}"#
                HTTPClient.send(loop: master.loop, to: framework.address, HTTPRequest(
                    method: .post, target: "/v2/apps", headers: ["Content-Type": "application/json"], body: Array(app.utf8))) {
                    posted = (try? $0.get())?.status ?? .badRequest
                }
            case 1 where posted != nil && !master.calls(of: .revive).isEmpty:
                step = 2
                _ = try? master.offer("cpus:1;mem:256;ports:[31000-31009]")
            case 2 where master.launchedTasks.count == 2:
                step = 3
                launched = master.launchedTasks.map(\.taskID)
                master.update(launched[0], .running)
                master.dropSubscription()
            case 3 where master.subscriptions == 2 && master.calls(of: .reconcile).count >= 1:
                step = 4
                reconciled = Set(master.calls(of: .reconcile).last?.reconcile?.tasks.map(\.taskID) ?? [])
                master.update(launched[0], .running, reliable: false, reason: .reconciliation)
                master.update(launched[1], .unknown, reliable: false, message: "Reconciliation: task is unknown",
                              reason: .reconciliation)
            case 4 where master.calls(of: .revive).count >= 2:
                step = 5
                _ = try? master.offer("cpus:1;mem:256;ports:[31000-31009]")
            case 5 where master.launchedTasks.count == 3:
                framework.stop()
                master.close()
                return true
            default:
                break
            }
            return false
        })
        #expect(posted == .created)
        #expect(reconciled == Set(launched))
        // The replacement is a new task of the same app.
        let replacement = master.launchedTasks[2]
        #expect(!launched.contains(replacement.taskID))
        #expect(replacement.name == "/web")
    }
}

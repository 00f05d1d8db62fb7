import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import Foundation
import Logging

/// The services framework process: Marathon-compatible API, SQLite state, and a subscription to the master.
public final class ServicesFramework {
    private let scheduler: ServiceScheduler
    private let api: ServicesAPI
    private let client: SchedulerClient
    private var server: HTTPServer?

    /// Starts serving on `address` and subscribing to `master`; state lives in `workDirectory/services.db`; apps'
    /// service ports come from `servicePorts`; a running instance is killed `drainDelay` after it is shown killing.
    public init(loop: Loop, address: SocketAddress, master: SocketAddress, workDirectory: String, logger: Logger,
                credential: Credential? = nil, gate: AuthGate = AuthGate(.off), servicePorts: ServicePorts = ServicePorts(),
                drainDelay: Duration = .seconds(1)) throws {
        let store = try ServiceStore(path: workDirectory + "/services.db")
        scheduler = try ServiceScheduler(clock: loop, store: store, logger: logger, servicePorts: servicePorts, drainDelay: drainDelay)
        var configuration = SchedulerConfiguration(
            masters: [master],
            framework: FrameworkInfo(user: NSUserName(), name: "agora-services", id: store.frameworkID,
                                     failoverTimeout: 7 * 24 * 3600, checkpoint: true,
                                     capabilities: [.init(type: .partitionAware)]))
        configuration.format = .protobuf
        configuration.credential = credential
        client = SchedulerClient(loop: loop, configuration: configuration, delegate: scheduler)
        scheduler.client = client
        var serverAddress = address
        let apiBox = APIAddress()
        api = ServicesAPI(scheduler: scheduler, gate: gate, address: { apiBox.value })
        let router = Router()
        gate.install(on: router)
        api.install(router)
        server = try HTTPServer(loop: loop, address: address, router: router)
        serverAddress = server!.localAddress
        apiBox.value = serverAddress.description
        client.start()
        logger.info("agora-services: \(scheduler.apps.count) app(s) and \(scheduler.tasks.count) task(s) restored")
    }

    public var address: SocketAddress { server?.localAddress ?? SocketAddress(host: "0.0.0.0", port: 0) }

    /// Stops serving and unsubscribes (tasks keep running; a restart adopts them).
    public func stop() {
        api.close()
        client.stop()
        server?.close()
        server = nil
    }
}

/// The listening address, known only after binding.
private final class APIAddress {
    var value = ""
}

import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import Foundation
import Logging

/// The cron framework process: Chronos-compatible API, SQLite state, and a subscription to the master.
public final class CronFramework {
    private let scheduler: CronScheduler
    private let api: CronAPI
    private let client: SchedulerClient
    private var server: HTTPServer?

    /// Starts serving on `address` and subscribing to `master`; state lives in `workDirectory/cron.db`.
    public init(loop: Loop, address: SocketAddress, master: SocketAddress, workDirectory: String, logger: Logger,
                credential: Credential? = nil, gate: AuthGate = AuthGate(.off)) throws {
        let store = try CronStore(path: workDirectory + "/cron.db")
        scheduler = try CronScheduler(clock: loop, store: store, logger: logger)
        var configuration = SchedulerConfiguration(
            masters: [master],
            framework: FrameworkInfo(user: NSUserName(), name: "agora-cron", id: store.frameworkID,
                                     failoverTimeout: 7 * 24 * 3600, checkpoint: true))
        configuration.credential = credential
        client = SchedulerClient(loop: loop, configuration: configuration, delegate: scheduler)
        scheduler.client = client
        let box = ListeningAddress()
        let router = Router()
        gate.install(on: router)
        api = CronAPI(scheduler: scheduler, gate: gate, address: { box.value })
        api.install(router)
        server = try HTTPServer(loop: loop, address: address, router: router)
        box.value = server!.localAddress.description
        client.start()
    }

    public var address: SocketAddress { server?.localAddress ?? SocketAddress(host: "0.0.0.0", port: 0) }

    /// Stops serving and unsubscribes; pending runs and history stay in the database.
    public func stop() {
        scheduler.stop()
        client.stop()
        server?.close()
        server = nil
    }
}

/// The listening address, known only after binding.
private final class ListeningAddress {
    var value = ""
}

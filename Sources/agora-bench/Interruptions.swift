import AgoraClusterTesting
import AgoraRuntime

/// SIGINT and SIGTERM watched on a loop while a bench runs something of its own (spawns, HAProxy, a child bench):
/// the bench's waits end on one, and `check` throws `ClusterInterrupted`, so that its cleanup runs instead of what it
/// started outliving it. A cluster's waits do the same with `Cluster.stopOnTerminationSignals`.
final class Interruptions {
    private(set) var signal: Signal?
    private var watchers: [SignalWatcher] = []

    /// Starts watching; `onSignal` also runs for each signal (to pass it on to a child, say).
    init(loop: Loop, onSignal: @escaping (Signal) -> Void = { _ in }) throws {
        watchers = try loop.onTerminationSignal { [weak self] signal in
            self?.signal = signal
            onSignal(signal)
        }
    }

    var happened: Bool { signal != nil }

    func check() throws {
        if let signal { throw ClusterInterrupted(signal: signal) }
    }

    /// Gives the signals back their default.
    func close() {
        for watcher in watchers { watcher.close() }
        watchers = []
    }
}

import AgoraRuntime

/// SIGINT and SIGTERM watched on a loop by a program that owns its process (a benchmark): its waits end on one, and
/// `check` throws `Interrupted`, so that its cleanup runs instead of what it started (in process groups of
/// its own, which the terminal's Ctrl-C does not reach) outliving it. `Cluster.stopOnTerminationSignals` makes a
/// cluster's waits do the same.
public final class Interruptions {
    public private(set) var signal: Signal?
    private var watchers: [SignalWatcher] = []

    /// Starts watching; `onSignal` also runs for each signal (to pass it on to a child, say).
    public init(loop: Loop, onSignal: @escaping (Signal) -> Void = { _ in }) throws {
        watchers = try loop.onTerminationSignal { [weak self] signal in
            self?.signal = signal
            onSignal(signal)
        }
    }

    public var happened: Bool { signal != nil }

    public func check() throws {
        if let signal { throw Interrupted(signal: signal) }
    }

    /// Gives the signals back their default.
    public func close() {
        for watcher in watchers { watcher.close() }
        watchers = []
    }
}

/// A wait ended by SIGINT or SIGTERM (see `Interruptions`).
public struct Interrupted: Error, CustomStringConvertible {
    public let signal: Signal
    public var description: String { "interrupted by \(signal)" }
}

import AgoraRuntime
import Foundation
import Logging

/// Runs a daemon's loop: announces where it listens, stops cleanly on SIGTERM/SIGINT.
public enum DaemonRunner {
    /// `start` builds the daemon on the loop and returns its address and a stop action that ends
    /// by closing every handle (so `run()` returns). The first stdout line is `listening on http://IP:PORT`;
    /// `announced` may print more lines after it.
    public static func run(
        name: String, logger: Logger,
        start: (Loop) throws -> (address: SocketAddress, stop: () -> Void),
        announced: () -> Void = {}
    ) throws {
        let loop = try Loop()
        let (address, stop) = try start(loop)
        print("listening on http://\(address)")
        announced()
        fflush(nil)
        logger.info("\(name) listening on http://\(address)")
        var watchers: [SignalWatcher] = []
        watchers = try loop.onTerminationSignal { signal in
            logger.info("\(name) stopping on \(signal)")
            for watcher in watchers { watcher.close() }
            stop()
        }
        loop.run()
        try? loop.close()
        logger.info("\(name) stopped")
    }
}

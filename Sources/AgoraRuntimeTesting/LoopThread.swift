import AgoraRuntime
import Foundation

/// A loop on a thread of its own that runs with `run()` alone, as a daemon's does: no ticker wakes it, so a test can
/// see a loop that blocks with work left undone. `setup` opens its handles and returns what the test needs (a port);
/// the loop ends once those handles are closed.
public final class LoopThread<Value: Sendable>: @unchecked Sendable {
    /// What `setup` returned.
    public let value: Value
    private let finished = DispatchSemaphore(value: 0)

    public init(_ setup: @escaping @Sendable (Loop) throws -> Value) throws {
        let ready = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<Value, any Error>?
        let finished = self.finished
        Thread {
            do {
                let loop = try Loop()
                let result = Result { try setup(loop) }
                outcome = result
                ready.signal()
                if case .success = result { loop.run() }
                try? loop.close()
            } catch {
                outcome = .failure(error)
                ready.signal()
            }
            finished.signal()
        }.start()
        ready.wait()
        value = try outcome!.get()
    }

    /// Waits for the loop to end; false if it is still running after `timeout` (its thread is then left to it).
    @discardableResult
    public func join(timeout: Duration = .seconds(10)) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int(truncatingIfNeeded: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return finished.wait(timeout: .now() + .milliseconds(milliseconds)) == .success
    }
}

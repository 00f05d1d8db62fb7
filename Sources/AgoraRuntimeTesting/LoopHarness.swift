import AgoraRuntime
import Foundation
import Glibc

/// Why a loop-driven test did not finish cleanly.
public struct LoopHarnessError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` on a fresh loop until `done` holds, then requires every handle closed and the loop closable,
/// the way libuv's own tests end.
public func withLoop(
    timeout: Duration = .seconds(10), _ body: (Loop) throws -> Void, until done: () -> Bool
) throws {
    let loop = try Loop()
    try body(loop)
    guard loop.run(until: done, timeout: timeout) else {
        throw LoopHarnessError(description: "the loop did not reach the expected state within \(timeout)")
    }
    loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
    guard loop.openHandles == 0 else {
        throw LoopHarnessError(description: "\(loop.openHandles) handle(s) left open")
    }
    try loop.close()
}

/// A scratch directory removed when the value goes away.
public struct ScratchDirectory: ~Copyable {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "agora-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Removed with everything in it; tried again for a second while processes that are still going away (a killed
    /// task's executor draining its output) write into it.
    deinit {
        for _ in 0..<10 {
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.fileExists(atPath: path) else { return }
            usleep(100_000)
        }
    }
}

import AgoraRuntime
import Foundation
import Testing

/// Runs `body` on a fresh loop until `done` holds, then checks every handle was closed and the loop closes.
func withLoop(
    timeout: Duration = .seconds(10), _ body: (Loop) throws -> Void, until done: () -> Bool
) throws {
    let loop = try Loop()
    try body(loop)
    let finished = loop.run(until: done, timeout: timeout)
    #expect(finished, "the loop did not reach the expected state within \(timeout)")
    loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
    #expect(loop.openHandles == 0, "handles left open: \(loop.openHandles)")
    #expect(throws: Never.self) { try loop.close() }
}

/// A scratch directory removed when the test ends.
struct ScratchDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "agora-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

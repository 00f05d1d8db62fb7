@testable import AgoraAgent
import AgoraWire
import Foundation
import Testing

/// The checkpoint log's records, written straight as JSON: `Codable` reads every field back, as it reads what
/// `JSONEncoder` wrote before.
@Suite struct TaskCheckpointTests {
    /// Every field set, with text that needs escaping and a start time with a fraction.
    private static let full = TaskCheckpoint(
        framework: CheckpointBytes([1, 2, 3]), task: CheckpointBytes(Array(0...255)), launchCommand: CheckpointBytes([9]),
        sandbox: "/var/lib/agora/frameworks/f\"1\"/tasks/t\\1/run\n", user: "nobody", startedAt: 1_796_069_033.207,
        executorToken: "ab12", executorPID: 4242, cgroupInstance: "77", taskPID: 4243, imageManifest: "sha256:00ff",
        network: TaskNetwork(namespace: "/netns/t", attachments: [NetworkAttachment(
            network: "bridge", configuration: #"{"cniVersion":"1.0.0"}"#, containerID: "t-1", interface: "eth0",
            mappings: [.init(hostPort: 31000, containerPort: 80, protocol: "tcp")], result: nil, addresses: ["10.0.0.2"])]),
        launched: true, state: "TASK_RUNNING", pending: [CheckpointBytes([7, 7]), CheckpointBytes([])],
        executorUpdates: [CheckpointBytes(Array(repeating: 0xAB, count: 16))])

    private func canonical<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(value)
    }

    @Test func aRecordReadsBackAsWhatWasWritten() throws {
        var sparse = Self.full
        (sparse.launchCommand, sparse.executorPID, sparse.cgroupInstance, sparse.taskPID) = (nil, nil, nil, nil)
        (sparse.imageManifest, sparse.network, sparse.startedAt, sparse.pending) = (nil, nil, 1_796_069_033, [])
        for checkpoint in [Self.full, sparse] {
            let entry = CheckpointEntry(key: TaskKey(framework: FrameworkID("f\"1"), task: TaskID("t\u{e9}")), checkpoint: checkpoint)
            let read = try JSONDecoder().decode(CheckpointEntry.self, from: Data(try entry.encoded()))
            #expect(try canonical(read) == canonical(entry))
        }
        let forgotten = CheckpointEntry(key: TaskKey(framework: FrameworkID("f"), task: TaskID("t")), checkpoint: nil)
        #expect(String(decoding: try forgotten.encoded(), as: UTF8.self) == #"{"framework":"f","task":"t"}"#)
    }

    /// A field added to `TaskCheckpoint` and not to its writer would be lost at the next restart: every stored
    /// property of the full fixture must come out as a key.
    @Test func everyFieldIsWritten() throws {
        var writer = JSONWriter()
        try Self.full.write(to: &writer)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        let fields = Mirror(reflecting: Self.full).children.compactMap(\.label)
        #expect(Set(object.keys) == Set(fields))
    }

    @Test func recordsOfTheEncoderBeforeAreRead() throws {
        let entry = CheckpointEntry(key: TaskKey(framework: FrameworkID("f"), task: TaskID("t")), checkpoint: Self.full)
        let read = try JSONDecoder().decode(CheckpointEntry.self, from: JSONEncoder().encode(entry))
        #expect(try canonical(read) == canonical(entry))
    }
}

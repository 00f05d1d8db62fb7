import AgoraRuntime
import AgoraWire
import Foundation

/// What the agent keeps on disk about one task so that a restarted agent finds it again: a record appended to the
/// checkpoint log (`<work dir>/meta/tasks.log`, see `AppendLog`) at every change of its state, of its executor, or of
/// its unacknowledged status updates; the latest record of a task is the one that counts. Wire messages are stored in
/// protobuf.
struct TaskCheckpoint: Codable {
    var framework: CheckpointBytes
    var task: CheckpointBytes
    var launchCommand: CheckpointBytes?
    var sandbox: String
    var user: String
    var startedAt: Double
    var executorToken: String
    var executorPID: Int32?
    /// The agent group holding the task's cgroup (`agora/<instance>`), kept across restarts.
    var cgroupInstance: String?
    var taskPID: Int32?
    /// The manifest of the image the task's container runs (its root filesystem is kept while the task lives).
    var imageManifest: String?
    /// The task's network namespace and its CNI attachments, released when the task ends (also after a restart).
    var network: TaskNetwork?
    var launched: Bool
    var state: String
    /// Status updates not yet acknowledged by the master, oldest first.
    var pending: [CheckpointBytes]
    /// Uuids of those that came from the executor (their acknowledgements go back to it).
    var executorUpdates: [CheckpointBytes]
}

/// One record of the checkpoint log (JSON): a task's latest checkpoint, or, without one, that the task is forgotten.
struct CheckpointEntry: Codable {
    var framework: String
    var task: String
    var checkpoint: TaskCheckpoint?

    init(key: TaskKey, checkpoint: TaskCheckpoint?) {
        framework = key.framework.value
        task = key.task.value
        self.checkpoint = checkpoint
    }

    /// The record as JSON, written straight rather than through `JSONEncoder` (which cost the agent a tenth of its
    /// CPU with tasks starting and ending); `Codable` reads it back, and reads what `JSONEncoder` wrote before.
    func encoded() throws -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        writer.field("framework")
        writer.string(framework)
        writer.field("task")
        writer.string(task)
        if let checkpoint {
            writer.field("checkpoint")
            try checkpoint.write(to: &writer)
        }
        writer.endObject()
        return writer.bytes
    }
}

extension TaskCheckpoint {
    /// Writes every field `Codable` would, under the same keys; an absent optional has no key.
    func write(to writer: inout JSONWriter) throws {
        func text(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            writer.field(name)
            writer.string(value)
        }
        func number(_ name: StaticString, _ value: Int32?) {
            guard let value else { return }
            writer.field(name)
            writer.integer(value)
        }
        func bytes(_ name: StaticString, _ value: CheckpointBytes?) {
            guard let value else { return }
            writer.field(name)
            writer.base64(value.bytes)
        }
        func list(_ name: StaticString, _ values: [CheckpointBytes]) {
            writer.field(name)
            writer.beginArray()
            for value in values { writer.base64(value.bytes) }
            writer.endArray()
        }
        writer.beginObject()
        bytes("framework", framework)
        bytes("task", task)
        bytes("launchCommand", launchCommand)
        text("sandbox", sandbox)
        text("user", user)
        writer.field("startedAt")
        try writer.double(startedAt)
        text("executorToken", executorToken)
        number("executorPID", executorPID)
        text("cgroupInstance", cgroupInstance)
        number("taskPID", taskPID)
        text("imageManifest", imageManifest)
        if let network {
            // Only containers on their own networks have one; it keeps its `Codable` form.
            writer.field("network")
            writer.embedded(Array(try JSONEncoder().encode(network)))
        }
        writer.field("launched")
        writer.bool(launched)
        text("state", state)
        list("pending", pending)
        list("executorUpdates", executorUpdates)
        writer.endObject()
    }
}

/// A change to a task's checkpoint waiting for the end of the loop turn.
enum PendingCheckpoint {
    case write(TaskRun)
    case remove
}

/// Bytes in a checkpoint, written as a base64 string (an array of numbers, as checkpoints before held them, costs
/// the encoder one boxed value per byte); both forms are read.
struct CheckpointBytes: Codable, Equatable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not base64")
            }
            bytes = Array(data)
        } else {
            bytes = try container.decode([UInt8].self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes).base64EncodedString())
    }
}

/// The checkpoint directory of an agent's work directory.
struct CheckpointLayout {
    let root: String

    /// The checkpoint log of the agent's tasks.
    var logFile: String { root + "/meta/tasks.log" }
    /// Where agents before the log kept one checkpoint file per task (`<framework>/<task>/task.json`).
    var legacyTasksRoot: String { root + "/meta/tasks" }
    /// The host's boot id when the agent last started: a different one means the host rebooted.
    var bootIDFile: String { root + "/meta/boot_id" }
    /// Where the agent's executor API listens now (`host:port`), for executors that outlived an agent restart.
    var endpointFile: String { root + "/meta/endpoint" }

    /// Every checkpoint file of the layout before the log.
    func legacyFiles() -> [String] {
        let manager = FileManager.default
        let frameworks = (try? manager.contentsOfDirectory(atPath: legacyTasksRoot)) ?? []
        return frameworks.sorted().flatMap { framework in
            ((try? manager.contentsOfDirectory(atPath: "\(legacyTasksRoot)/\(framework)")) ?? []).sorted()
                .map { "\(legacyTasksRoot)/\(framework)/\($0)/task.json" }
        }
    }
}

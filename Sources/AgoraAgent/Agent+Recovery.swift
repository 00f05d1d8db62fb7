import AgoraRuntime
import AgoraWire
import Foundation
import Glibc

extension Agent {
    var checkpoints: CheckpointLayout { CheckpointLayout(root: options.workDirectory) }

    /// Marks the task's checkpoint for writing at the end of this loop turn (several changes in one turn, one write).
    func checkpoint(_ run: TaskRun) {
        guard tasks[run.key] === run else { return }
        markCheckpoint(run.key, .write(run))
    }

    /// Forgets a task's checkpoint once its end was acknowledged and its executor is gone (at the end of this turn).
    func removeCheckpoint(_ key: TaskKey) {
        guard checkpointRecords[key] != nil || pendingCheckpoints[key] != nil else { return }
        markCheckpoint(key, .remove)
    }

    private func markCheckpoint(_ key: TaskKey, _ change: PendingCheckpoint) {
        let first = pendingCheckpoints.isEmpty
        pendingCheckpoints[key] = change
        guard first else { return }
        loop.schedule(after: .zero, orReport: { [weak self] in
            self?.timerFailed($0)
            self?.writeCheckpoints()
        }) { [weak self] in self?.writeCheckpoints() }
    }

    /// Appends the checkpoints changed in this turn to the log, durable with one flush; the log is rewritten with
    /// only the live tasks once it holds mostly superseded records.
    func writeCheckpoints() {
        let pending = pendingCheckpoints
        pendingCheckpoints.removeAll()
        var records: [TaskKey: [UInt8]?] = [:]
        for (key, change) in pending {
            switch change {
            case .write(let run):
                guard tasks[key] === run, let record = encoded(run) else { continue }
                records[key] = record
            case .remove:
                guard checkpointRecords[key] != nil else { continue }
                records[key] = .some(nil)
            }
        }
        guard !records.isEmpty else { return }
        do {
            try checkpointLog.append(records.map { key, record in
                try record ?? CheckpointEntry(key: key, checkpoint: nil).encoded()
            })
        } catch {
            metrics.checkpointFailures += records.count
            logger.error("cannot checkpoint \(records.count) task(s): \(error)")
            return
        }
        for (key, record) in records {
            checkpointRecords[key] = record
        }
        guard checkpointLog.recordCount > max(4096, 4 * checkpointRecords.count) else { return }
        do {
            try checkpointLog.rewrite(Array(checkpointRecords.values))
        } catch {
            metrics.checkpointFailures += 1
            logger.error("cannot compact the checkpoint log: \(error)")
        }
    }

    /// The task's checkpoint record (see `TaskCheckpoint`); a failure is logged and counted.
    private func encoded(_ run: TaskRun) -> [UInt8]? {
        guard let framework = frameworks[run.frameworkID] else { return nil }
        do {
            let record = TaskCheckpoint(
                framework: CheckpointBytes(try framework.protobuf()), task: CheckpointBytes(try run.info.protobuf()),
                launchCommand: try run.launchCommand.map { CheckpointBytes(try $0.protobuf()) }, sandbox: run.sandbox, user: run.user,
                startedAt: run.startedAt, executorToken: run.executorToken,
                executorPID: run.process?.pid ?? run.adoptedExecutorPID, cgroupInstance: run.cgroupInstance,
                taskPID: run.taskPID, imageManifest: run.imageManifest, network: run.network, launched: run.launched,
                state: run.state.rawValue,
                pending: try (updates?.pending(framework: run.frameworkID, task: run.info.taskID) ?? [])
                    .map { CheckpointBytes(try $0.protobuf()) },
                executorUpdates: run.executorUpdates.map(CheckpointBytes.init))
            return try CheckpointEntry(key: run.key, checkpoint: record).encoded()
        } catch {
            metrics.checkpointFailures += 1
            logger.error("cannot checkpoint task \(run.info.taskID): \(error)")
            return nil
        }
    }

    /// Where executors find this agent after a restart.
    func checkpointEndpoint() {
        do {
            try FileManager.default.createDirectory(atPath: options.workDirectory + "/meta", withIntermediateDirectories: true)
            try Files.writeAtomically(checkpoints.endpointFile, Array("\(executorEndpoint)\n".utf8))
        } catch {
            metrics.checkpointFailures += 1
            logger.error("cannot checkpoint the executor endpoint: \(error)")
        }
    }

    /// `host:port` of the executor API.
    var executorEndpoint: String { "\(address.host == "0.0.0.0" ? "127.0.0.1" : address.host):\(address.port)" }

    /// Finds the tasks the agent before this one checkpointed. With `--recover=reconnect` on the same boot, each
    /// comes back with its unacknowledged updates (resent once the master is reached); an executor still alive has
    /// `executorReregistrationTimeout` to subscribe again, a dead one ends its task with REASON_EXECUTOR_TERMINATED.
    /// After a reboot, or with `--recover=cleanup`, nothing is re-attached (what is still running is killed).
    func recover() {
        let boot = (try? Files.readText("/proc/sys/kernel/random/boot_id")).map { String($0.filter { !$0.isWhitespace }) }
        let previous = (try? Files.readText(checkpoints.bootIDFile)).map { String($0.filter { !$0.isWhitespace }) }
        if let boot {
            do {
                try FileManager.default.createDirectory(atPath: options.workDirectory + "/meta", withIntermediateDirectories: true)
                try Files.writeAtomically(checkpoints.bootIDFile, Array((boot + "\n").utf8))
            } catch {
                logger.error("cannot checkpoint the boot id: \(error)")
            }
        }
        let entries = checkpointEntries()
        guard !entries.isEmpty else { return }
        let rebooted = previous != nil && previous != boot
        var recovered = 0
        for (key, record, bytes) in entries {
            checkpointRecords[key] = bytes
            guard let framework = try? FrameworkInfo(protobuf: record.framework.bytes), framework.id == key.framework,
                  let task = try? TaskInfo(protobuf: record.task.bytes), task.taskID == key.task else {
                logger.error("skipping the unreadable checkpoint of task \(key.task) of \(key.framework)")
                removeCheckpoint(key)
                continue
            }
            let frameworkID = key.framework
            guard !rebooted, options.recover == .reconnect else {
                if !rebooted {
                    if let pid = record.executorPID { try? ChildProcess.killGroup(pid, .kill) }
                    if let pid = record.taskPID { try? ChildProcess.killGroup(pid, .kill) }
                }
                logger.warning("\(rebooted ? "the host rebooted" : "--recover=cleanup"): not re-attaching task \(task.taskID)")
                if let network = record.network { releaseNetwork(network) }
                removeCheckpoint(key)
                continue
            }
            let run = TaskRun(frameworkID: frameworkID, info: task, sandbox: record.sandbox, user: record.user,
                              startedAt: record.startedAt, executorToken: record.executorToken)
            run.state = TaskState(rawValue: record.state) ?? .staging
            run.launched = record.launched
            run.taskPID = record.taskPID
            run.cgroupInstance = record.cgroupInstance
            if let manifest = record.imageManifest {
                run.imageManifest = manifest
                images.retain(manifest)
            }
            run.network = record.network
            run.launchCommand = record.launchCommand.flatMap { try? CommandInfo(protobuf: $0.bytes) }
            run.executorUpdates = Set(record.executorUpdates.map(\.bytes))
            tasks[key] = run
            // Written again at the end of the turn, in the form of this agent (a task of the file-per-task layout
            // moves into the log).
            checkpoint(run)
            if let executor = run.customExecutor {
                customExecutors[ExecutorKey(framework: key.framework, executor: executor.executorID)] = key
            }
            frameworks[frameworkID] = framework
            for pending in record.pending {
                if let status = try? TaskStatus(protobuf: pending.bytes) { updates?.enqueue(status, framework: frameworkID) }
            }
            recovered += 1
            if let pid = record.executorPID, Glibc.kill(pid, 0) == 0 {
                run.adoptedExecutorPID = pid
                expectResubscription(run)
            } else {
                executorEnded(run, exit: nil)
            }
        }
        logger.info("recovered \(recovered) task(s) from the checkpoint")
        watchAdoptedExecutors()
    }

    /// The latest checkpoint of every task the log (or an agent before it, a directory of files) still holds.
    private func checkpointEntries() -> [(key: TaskKey, checkpoint: TaskCheckpoint, bytes: [UInt8])] {
        if checkpointLog.droppedBytes > 0 {
            logger.warning("the checkpoint log ended in \(checkpointLog.droppedBytes) byte(s) of a record cut short; they were dropped")
        }
        var latest: [TaskKey: (checkpoint: TaskCheckpoint, bytes: [UInt8])] = [:]
        var order: [TaskKey] = []
        var listed: Set<TaskKey> = []
        defer { checkpointLog.forgetRecovered() }
        for bytes in checkpointLog.recovered + legacyRecords() {
            guard let entry = try? JSONDecoder().decode(CheckpointEntry.self, from: Data(bytes)) else {
                metrics.checkpointFailures += 1
                logger.error("skipping an unreadable record of the checkpoint log")
                continue
            }
            let key = TaskKey(framework: FrameworkID(entry.framework), task: TaskID(entry.task))
            if entry.checkpoint != nil && listed.insert(key).inserted { order.append(key) }
            latest[key] = entry.checkpoint.map { ($0, bytes) }
        }
        return order.compactMap { key in latest[key].map { (key, $0.checkpoint, $0.bytes) } }
    }

    /// The checkpoint files of the layout before the log (one file per task), as log records: appended to the log,
    /// and then the files go.
    private func legacyRecords() -> [[UInt8]] {
        let files = checkpoints.legacyFiles()
        guard !files.isEmpty else { return [] }
        let records = files.compactMap { file -> [UInt8]? in
            guard let record = try? JSONDecoder().decode(TaskCheckpoint.self, from: Data(try Files.read(file).bytes)),
                  let framework = try? FrameworkInfo(protobuf: record.framework.bytes), let frameworkID = framework.id,
                  let task = try? TaskInfo(protobuf: record.task.bytes) else {
                logger.error("skipping the unreadable checkpoint \(file)")
                return nil
            }
            return try? CheckpointEntry(key: TaskKey(framework: frameworkID, task: task.taskID), checkpoint: record).encoded()
        }
        do {
            try checkpointLog.append(records)
            try FileManager.default.removeItem(atPath: checkpoints.legacyTasksRoot)
        } catch {
            metrics.checkpointFailures += 1
            logger.error("cannot move the checkpoints of \(checkpoints.legacyTasksRoot) into the log: \(error)")
        }
        return records
    }

    /// Polls the adopted executors (not this agent's children), all in one timer every 500 ms, until they are gone.
    private func watchAdoptedExecutors() {
        guard tasks.values.contains(where: { $0.adoptedExecutorPID != nil }) else { return }
        loop.schedule(after: .milliseconds(500), orReport: timerFailed) { [weak self] in
            guard let self, !self.isStopped else { return }
            for run in self.tasks.values {
                guard let pid = run.adoptedExecutorPID, Glibc.kill(pid, 0) != 0, errno != EPERM else { continue }
                run.adoptedExecutorPID = nil
                self.executorEnded(run, exit: nil)
            }
            self.watchAdoptedExecutors()
        }
    }

    /// An executor found alive that does not subscribe again in time is killed, and its task with it.
    private func expectResubscription(_ run: TaskRun) {
        loop.schedule(after: options.executorReregistrationTimeout, orReport: timerFailed) { [weak self, weak run] in
            guard let self, let run, !self.isStopped, run.executorStream == nil, let pid = run.adoptedExecutorPID else { return }
            self.logger.warning("the executor of \(run.info.taskID) did not subscribe again; killing it")
            try? ChildProcess.killGroup(pid, .kill)
            if let task = run.taskPID { try? ChildProcess.killGroup(task, .kill) }
        }
    }
}

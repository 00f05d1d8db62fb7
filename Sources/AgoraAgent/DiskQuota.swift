import AgoraRuntime
import AgoraWire

extension Agent {
    /// Every `diskWatchInterval`, measures the sandbox of each running task that has a `disk` resource (off the
    /// loop thread, as Mesos' `disk/du` isolator) and kills those over it with `REASON_CONTAINER_LIMITATION_DISK`.
    func startDiskWatch() throws {
        guard options.enforceDiskQuota else { return }
        let timer = try LoopTimer(loop: loop)
        timer.start(after: options.diskWatchInterval, repeating: options.diskWatchInterval) { [weak self] in
            self?.checkDiskUsage()
        }
        diskWatch = timer
    }

    private func checkDiskUsage() {
        for run in tasks.values where !run.state.isTerminal && run.process != nil && run.limitation == nil {
            let limitMB = run.resources.scalar("disk")
            guard limitMB > 0 else { continue }
            DiskUsage.measure(loop: loop, path: run.sandbox) { [weak self, weak run] bytes in
                guard let self, let run, !run.state.isTerminal, run.limitation == nil else { return }
                let usedMB = Double(bytes) / 1_048_576
                guard usedMB > limitMB else { return }
                let message = "Disk usage (\(Bounds.clampedInt64(usedMB)) MB) exceeds the quota (\(Bounds.clampedInt64(limitMB)) MB)"
                self.logger.warning("task \(run.info.taskID): \(message); killing it")
                run.limitation = (message, .containerLimitationDisk)
                self.kill(run.key, policy: KillPolicy(gracePeriod: DurationInfo(nanoseconds: 0)))
            }
        }
    }
}

import AgoraRuntime
import AgoraWire
import Foundation

extension Agent {
    /// Starts a container task: its image is made ready (pulled unless cached), its URIs fetched, its sandbox given
    /// to the container's user, its bundle built over the image; then its executor runs the OCI runtime in the task's
    /// cgroup. Any failure before the container runs fails the task with REASON_CONTAINER_LAUNCH_FAILED and a
    /// message naming the image and the cause.
    func launchContainer(_ run: TaskRun, container: ContainerInfo, image name: String) {
        guard let original = run.info.command else { return fail(run, "a container task needs a 'command' (it may be empty)") }
        images.provide(name, force: container.forcePull) { [weak self, weak run] result in
            guard let self, let run, self.tasks[run.key] === run, !run.state.isTerminal else { return }
            let image: StoredImage
            switch result {
            case .failure(let error):
                return self.fail(run, "Failed to prepare the container image '\(name)': \(error.message)")
            case .success(let stored):
                image = stored
            }
            guard !run.killRequested else {
                return self.finish(run, .killed, message: "Task was killed while its image was prepared", reason: .taskKilledDuringLaunch)
            }
            run.imageManifest = image.manifest
            self.images.retain(image.manifest)
            let start = { [weak self, weak run] in
                guard let self, let run, self.tasks[run.key] === run else { return }
                guard let plan = NetworkPlan(container) else {
                    return self.startContainer(run, container: container, image: image, original: original)
                }
                self.attachNetworks(run, plan) { [weak self, weak run] error in
                    guard let self, let run, self.tasks[run.key] === run else { return }
                    if let error { return self.fail(run, "Failed to attach the container to its networks: \(error.message)") }
                    guard !run.killRequested else {
                        return self.finish(run, .killed, message: "Task was killed while its networks were attached", reason: .taskKilledDuringLaunch)
                    }
                    self.startContainer(run, container: container, image: image, original: original)
                }
            }
            guard original.uris.isEmpty else { return self.fetch(original.uris, for: run, account: nil, then: start) }
            start()
        }
    }

    private func startContainer(_ run: TaskRun, container: ContainerInfo, image: StoredImage, original: CommandInfo) {
        var environment = run.environment(base: options.taskEnvironment, agentID: agentID, hostname: options.hostname, home: nil)
        for name in ["USER", "LOGNAME", "HOME"] { environment[name] = nil }
        let request = ContainerBundles.Request(
            name: run.cgroupName, sandbox: run.sandbox, container: container, command: original, environment: environment,
            hostname: options.hostname, cgroupsPath: isolator?.cgroupsPath(task: run.cgroupName),
            networkNamespace: run.network?.namespace, addresses: run.network?.attachments.flatMap(\.addresses) ?? [])
        let program: ProcessSpec.Command
        do throws(ContainerError) {
            let user = try ContainerCommand.user(image: image.config, named: original.user, rootfs: image.rootfs)
            if user.uid != 0 { try giveSandbox(run.sandbox, to: user) }
            program = try bundles.prepare(request, image: image)
        } catch {
            bundles.release(run.cgroupName)
            return fail(run, "Failed to prepare the container of image '\(image.reference)': \(error.message)")
        }
        startExecutor(run, program: program, inContainer: true, original: original)
    }

    /// The sandbox (and what was fetched into it) belongs to the container's user, so the container can write there.
    private func giveSandbox(_ sandbox: String, to user: (uid: UInt32, gid: UInt32)) throws(ContainerError) {
        let files = FileManager.default
        var paths = [sandbox]
        if let walker = files.enumerator(atPath: sandbox) {
            while let relative = walker.nextObject() as? String { paths.append(sandbox + "/" + relative) }
        }
        for path in paths where lchown(path, user.uid, user.gid) != 0 {
            throw ContainerError("cannot give \(path) to uid \(user.uid): \(String(cString: strerror(errno)))")
        }
    }

    /// A finished task's container: its bundle unmounted and removed, its image free for collection.
    func releaseContainer(of run: TaskRun) {
        guard let manifest = run.imageManifest else { return }
        bundles.release(run.cgroupName)
        images.release(manifest)
        run.imageManifest = nil
    }

    /// Collects unused images every minute (or every `--image-gc-delay`, when shorter).
    func startImageCollection() {
        let period = min(options.imageGCDelay, .seconds(60))
        imageCollection = loop.schedule(after: max(period, .milliseconds(100)), orReport: timerFailed) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.images.collectGarbage()
            self.startImageCollection()
        }
    }
}

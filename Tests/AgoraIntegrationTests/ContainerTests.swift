import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

private let agentResources = "cpus:4;mem:2048;disk:2048;ports:[31000-31099]"

/// The test images and a registry serving them, on a fresh cluster with one agent that trusts that registry.
private func withImages(agentFlags: [String] = [], _ body: (Cluster, TestRegistry, Daemon) throws -> Void) throws {
    try withCluster { cluster in
        let registry = try TestRegistry(cluster: cluster, script: PythonClients.fixture("build-test-images.sh"))
        let agent = try cluster.addAgent(agentResources, flags: ["--insecure-registry", registry.host] + agentFlags)
        try body(cluster, registry, agent)
    }
}

/// One GET to a port on loopback; nil when nothing answers.
private func get(_ cluster: Cluster, port: Int, _ path: String) -> String? {
    var result: Result<HTTPResponse, HTTPError>?
    HTTPClient.send(loop: cluster.loop, to: SocketAddress(host: "127.0.0.1", port: UInt16(clamping: port)),
                    HTTPRequest(method: .get, target: path)) { result = $0 }
    guard cluster.loop.run(until: { result != nil }, timeout: .seconds(5)), case .success(let response)? = result,
          response.status == .ok else { return nil }
    return String(decoding: response.body, as: UTF8.self)
}

/// The stdout of the last run of task `id` on `agent`, read from its sandbox.
private func stdout(of id: String, on agent: Daemon, _ cluster: Cluster) throws -> String {
    let state = try cluster.getJSON(agent, "/state")
    var sandboxes: [String] = []
    for key in ["tasks", "completed_tasks"] {
        guard case .array(let tasks)? = state[key] else { continue }
        for task in tasks where task["id"]?.textValue == id { if let path = task["sandbox"]?.textValue { sandboxes.append(path) } }
    }
    guard let sandbox = sandboxes.last else { return "" }
    return (try? String(contentsOfFile: sandbox + "/stdout", encoding: .utf8)) ?? ""
}

/// Nothing of the containers is left mounted under the cluster's directory.
private func mountsLeft(_ cluster: Cluster) -> [String] { Mounts.mountPoints(under: cluster.directory) }

@Suite(.serialized, .enabled(if: TestRegistry.available, "needs root, runc, skopeo, umoci, docker-registry and busybox-static (make deps)"))
struct ContainerTests {
    /// The acceptance app: a Docker image serving HTTP from its own entrypoint, 3 healthy instances on their host
    /// ports, showing the image's /etc/os-release, then rolled to web:2 one instance at a time.
    @Test func marathonDockerAppServesFromItsImageAndRollsOneByOne() throws {
        try withImages { cluster, registry, agent in
            let web1 = try registry.push("web-1", as: "web:1")
            let web2 = try registry.push("web-2", as: "web:2")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            func app(_ image: String) -> String {
                #"""
                {"id": "/web", "container": {"type": "DOCKER", "docker": {"image": "\#(image)"}}, "instances": 3,
                 "cpus": 0.1, "mem": 32, "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.34},
                 "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0, "gracePeriodSeconds": 15,
                                   "intervalSeconds": 0.5, "timeoutSeconds": 2, "maxConsecutiveFailures": 3}]}
                """#
            }
            #expect(try services.send(.post, "/v2/apps", app(web1)).status == .created)
            try services.waitHealthy("/web", 3, timeout: .seconds(60))
            let metrics = String(decoding: try cluster.get(agent, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains("agora_agent_image_pulls_total 1\n"), "3 instances, one pull: \(metrics)")
            let ports = try services.tasks("/web").compactMap { task -> Int? in
                guard case .array(let ports)? = task["ports"], case .number(let port)? = ports.first else { return nil }
                return Int(port)
            }
            #expect(ports.count == 3)
            for port in ports {
                #expect(get(cluster, port: port, "/") == "web 1\n")
                let release = get(cluster, port: port, "/os-release") ?? ""
                #expect(release.contains("Agora Test Linux") && release.contains("VERSION_ID=1"), "os-release: \(release)")
            }
            let listed = try cluster.run(Cluster.binary("agora"), ["app", "list"],
                                         environment: ["AGORA_SERVICES": "http://\(services.daemon.address!)"])
            #expect(listed.stdout.contains(web1), "agora app list: \(listed.stdout)")

            // Rolling update: one new instance starting at a time, never fewer than 3 healthy; all on web:2 at the end.
            let before = Set(try services.tasks("/web").compactMap { $0["id"]?.textValue })
            #expect(try services.send(.put, "/v2/apps/web", app(web2)).status == .ok)
            var mostStarting = 0, fewestHealthy = 3
            try cluster.wait("the rolling update", timeout: .seconds(90)) {
                guard let app = try? services.app("/web"), case .array(let deployments)? = app["deployments"] else { return false }
                let starting = (try? services.tasks("/web"))?.filter { task in
                    guard let id = task["id"]?.textValue, !before.contains(id) else { return false }
                    guard case .array(let results)? = task["healthCheckResults"] else { return true }
                    return results.first?["alive"] != .bool(true)
                }.count ?? 0
                mostStarting = max(mostStarting, starting)
                fewestHealthy = min(fewestHealthy, services.count("/web", "tasksHealthy"))
                return deployments.isEmpty && services.count("/web", "tasksHealthy") == 3
                    && (try? services.tasks("/web").allSatisfy { task in
                        guard case .array(let ports)? = task["ports"], case .number(let port)? = ports.first else { return false }
                        return get(cluster, port: Int(port) ?? 0, "/") == "web 2\n"
                    }) == true
            }
            #expect(mostStarting == 1, "web:2 instances start one at a time (saw \(mostStarting) at once)")
            #expect(fewestHealthy >= 3, "health capacity 1 keeps 3 healthy instances (saw \(fewestHealthy))")
            #expect(try services.send(.delete, "/v2/apps/web").status == .ok)
            try cluster.wait("the instances to go", timeout: .seconds(30)) { services.count("/web", "tasksRunning") <= 0 }
            try cluster.wait("the container mounts to go") { mountsLeft(cluster).isEmpty }
        }
    }

    /// A Chronos job with `container.image` runs on its schedule inside its image.
    @Test func chronosJobRunsOnScheduleInItsImage() throws {
        try withImages { cluster, registry, agent in
            let image = try registry.push("web-1", as: "web:1")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1).rounded())
            let job = #"""
            {"name": "in-image", "command": "grep NAME /etc/os-release; ls /mnt/mesos/sandbox >/dev/null && echo sandbox ok",
             "owner": "o", "schedule": "R/\#(start)/PT2S", "container": {"type": "DOCKER", "image": "\#(image)", "volumes": []}}
            """#
            #expect(try cron.send(.post, "/scheduler/iso8601", job).status == .noContent)
            try cluster.wait("two runs of the job", timeout: .seconds(40)) { cron.succeeded("in-image").count >= 2 }
            let state = try cluster.getJSON(agent, "/state")
            guard case .array(let done)? = state["completed_tasks"], let id = done.first?["id"]?.textValue else {
                Issue.record("no completed run on the agent")
                return
            }
            let output = try stdout(of: id, on: agent, cluster)
            #expect(output.contains("NAME=\"Agora Test Linux\"") && output.contains("sandbox ok"), "output: \(output)")
            let listed = try JSONValue.parse(try cron.send(.get, "/scheduler/jobs").body)
            #expect(listed.text.contains(image), "the job shows its container: \(listed.text)")
        }
    }

    /// `agora exec --image` prints the container's output and exits with its status; a second run of the cached
    /// image needs no registry (it is stopped first), and a multi-layer image shows its whiteouts applied. The cold,
    /// warm and plain-process start times are printed for the closing report.
    @Test func agoraExecRunsInTheImageAndTheCacheNeedsNoRegistry() throws {
        try withImages { cluster, registry, _ in
            let image = try registry.push("web-1", as: "web:1")
            let layered = try registry.push("layered", as: "layered:1")
            let agora = Cluster.binary("agora")
            func timed(_ arguments: [String]) throws -> (result: (exit: ProcessExit, stdout: String, stderr: String), ms: Int) {
                let started = ContinuousClock.now
                let result = try cluster.run(agora, ["exec"] + arguments)
                let elapsed = ContinuousClock.now - started
                return (result, Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
            }
            let cold = try timed(["--image", image, "--", "sh", "-c", "cat /etc/os-release; exit 3"])
            #expect(cold.result.exit.code == 3, "exit: \(cold.result.exit) \(cold.result.stderr)")
            #expect(cold.result.stdout.contains("NAME=\"Agora Test Linux\""), "stdout: \(cold.result.stdout)")
            let layers = try timed(["--image", layered, "--", "sh", "-c", "ls /data; ls /www"])
            #expect(layers.result.stdout.contains("new.txt") && !layers.result.stdout.contains("old.txt")
                    && !layers.result.stdout.contains("index.html"), "opaque /data and the whiteout: \(layers.result.stdout)")

            try registry.stop()
            let warm = try timed(["--image", image, "--", "echo", "warm"])
            #expect(warm.result.exit.succeeded && warm.result.stdout == "warm\n", "\(warm.result.stdout) \(warm.result.stderr)")
            let plain = try timed(["--", "echo", "plain"])
            #expect(plain.result.exit.succeeded)
            print("container start (agora exec end to end): cold pull + start \(cold.ms) ms, warm start \(warm.ms) ms, plain process \(plain.ms) ms")
            // The last run's root filesystem is unmounted once its executor is gone, just after the CLI saw the end.
            try cluster.wait("the container mounts to go") { mountsLeft(cluster).isEmpty }
        }
    }

    /// Images no task used for `--image-gc-delay` are forgotten, with their root filesystems and blobs; two images
    /// sharing layers store them once.
    @Test func unusedImagesAreCollectedAndSharedLayersStoredOnce() throws {
        try withImages(agentFlags: ["--image-gc-delay", "2secs"]) { cluster, registry, agent in
            let web1 = try registry.push("web-1", as: "web:1")
            let web2 = try registry.push("web-2", as: "web:2")
            let store = agent.workDirectory + "/images"
            func entries(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: store + path)) ?? [] }
            for image in [web1, web2] {
                let run = try cluster.run(Cluster.binary("agora"), ["exec", "--image", image, "--", "true"])
                #expect(run.exit.succeeded, "\(run.stderr)")
            }
            // web-2 is web-1 plus one layer: 2 manifests, 2 configs, 2 layers, not 6 blobs.
            #expect(entries("/layout/blobs/sha256").count == 6, "blobs: \(entries("/layout/blobs/sha256"))")
            #expect(entries("/rootfs").count == 2)
            try cluster.wait("the images to be collected", timeout: .seconds(20)) {
                entries("/rootfs").isEmpty && entries("/layout/blobs/sha256").isEmpty
            }
            #expect(!((try? String(contentsOfFile: store + "/images.json", encoding: .utf8)) ?? "").contains("web"))
        }
    }

    /// A Docker Hub name (`web:1`, which is `docker.io/library/web:1`) is pulled through `--registry-mirror`.
    @Test func dockerHubNamesArePulledThroughTheMirror() throws {
        try withCluster { cluster in
            let registry = try TestRegistry(cluster: cluster, script: PythonClients.fixture("build-test-images.sh"))
            try registry.push("web-2", as: "library/web:1")
            try cluster.addAgent(agentResources, flags: ["--registry-mirror", registry.host, "--insecure-registry", registry.host])
            let run = try cluster.run(Cluster.binary("agora"), ["exec", "--image", "web:1", "--", "cat", "/www/index.html"])
            #expect(run.exit.succeeded && run.stdout == "web 2\n", "\(run.stdout) \(run.stderr)")
        }
    }

    /// pymesos launches a TaskInfo with a MESOS container whose image is a local OCI archive.
    @Test func pymesosLaunchesAMesosContainerFromAnOCIArchive() throws {
        guard let python = PythonClients.python() else { return }
        try withImages { cluster, registry, agent in
            let archive = try registry.archive("web-2", to: cluster.directory + "/web-2.tar")
            let result = try cluster.run(python, [PythonClients.fixture("pymesos_container.py"), cluster.masterAddress.description,
                                                  archive, "cat /etc/os-release"], timeout: .seconds(90))
            #expect(result.exit.succeeded, "pymesos said: \(result.stdout)\n\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("STATUS pymesos-container TASK_FINISHED"))
            let output = try stdout(of: "pymesos-container", on: agent, cluster)
            #expect(output.contains("VERSION_ID=2"), "output: \(output)")
        }
    }

    /// Bad images fail clearly (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, a message naming the image and the cause),
    /// nothing is written outside the image store, nothing stays mounted, and the agent keeps serving. The services
    /// framework shows the reason in /v2/queue.
    @Test func badImagesFailClearlyAndLeaveNothingBehind() throws {
        try withImages { cluster, registry, agent in
            let evil = try registry.push("evil", as: "evil:1")
            let unique = try registry.push("unique", as: "unique:1")
            try registry.corrupt(blob: try registry.lastLayer(of: "unique"))
            let bare = try registry.push("bare", as: "bare:1")
            let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
            let scheduler = cluster.scheduler("bad-images", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            let cases: [(id: String, image: String, expected: String)] = [
                ("missing", "\(registry.host)/no-such-image:1", "manifest unknown"),
                ("registry-down", "127.0.0.1:1/web:1", "connection refused"),
                ("bad-digest", unique, "Digest did not match"),
                ("traversal", evil, "../../etc/passwd"),
                ("no-command", bare, "no Entrypoint or Cmd"),
            ]
            scheduler.launch(try cases.map { item in
                var task = try shellTask(item.id, "", on: offer, resources: "cpus:0.1;mem:32")
                task.command = CommandInfo(shell: false, value: nil, arguments: [])
                task.container = ContainerInfo(type: .mesos, mesos: .init(image: Image(type: .docker, docker: .init(name: item.image))))
                return task
            }, on: offer)
            try cluster.wait("every bad image to fail", timeout: .seconds(60)) {
                cases.allSatisfy { scheduler.states(of: TaskID($0.id)).last == .failed }
            }
            for item in cases {
                let status = scheduler.lastStatus(of: TaskID(item.id))
                #expect(status?.reason == .containerLaunchFailed)
                let message = status?.message ?? ""
                #expect(message.contains(item.image) && message.contains(item.expected), "\(item.id): \(message)")
            }
            #expect(try String(contentsOfFile: "/etc/passwd", encoding: .utf8) == passwd)
            let store = agent.workDirectory + "/images"
            let written = FileManager.default.enumerator(atPath: cluster.directory)?.compactMap { $0 as? String }
                .filter { $0.hasSuffix("etc/passwd") && !$0.hasPrefix("images/") && !$0.contains("/images/rootfs/") } ?? []
            #expect(written.isEmpty, "files named etc/passwd outside the image store: \(written)")
            #expect(FileManager.default.fileExists(atPath: store + "/images.json"))
            #expect(mountsLeft(cluster).isEmpty)
            #expect(try cluster.get(agent, "/state").status == .ok)
            scheduler.close()

            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let app = #"{"id": "/ghost", "container": {"type": "MESOS", "docker": {"image": "\#(registry.host)/ghost:1"}}, "cpus": 0.1, "mem": 32}"#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try cluster.wait("the queue to show why /ghost does not start", timeout: .seconds(30)) {
                (try? services.json("/v2/queue"))?.text.contains("Failed to prepare the container image '\(registry.host)/ghost:1'") == true
            }
        }
    }

    /// An agent SIGKILLed while a container runs: restarted with `--recover reconnect` it re-attaches (the container
    /// keeps its pid), and once the task is killed its root filesystem is unmounted and its bundle and runtime state
    /// removed; a later restart with `--recover cleanup` leaves nothing of a container it did not re-attach.
    @Test func containersSurviveAnAgentRestartAndNothingIsLeftAfterThem() throws {
        try withCluster(masterFlags: ["--agent-ping-timeout", "5secs"]) { cluster in
            let registry = try TestRegistry(cluster: cluster, script: PythonClients.fixture("build-test-images.sh"))
            let image = try registry.push("web-1", as: "web:1")
            var agent = try cluster.addAgent(agentResources, flags: ["--insecure-registry", registry.host, "--recover", "reconnect"])
            let work = agent.workDirectory
            let scheduler = cluster.scheduler("container-restart", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            var tasks: [TaskInfo] = []
            for id in ["kept", "dropped"] {
                var task = try shellTask(id, "exec sleep 600", on: offer, resources: "cpus:0.1;mem:32")
                task.container = ContainerInfo(type: .docker, docker: .init(image: image))
                task.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: 1))
                tasks.append(task)
            }
            scheduler.launch(tasks, on: offer)
            try cluster.wait("both containers to run", timeout: .seconds(30)) {
                scheduler.states(of: "kept").last == .running && scheduler.states(of: "dropped").last == .running
            }
            let keptPID = try #require(try cluster.taskPID("kept", on: agent))
            try cluster.adoptTaskGroups(of: agent)
            #expect(Mounts.mountPoints(under: work + "/containers").count == 2)
            agent = try cluster.restart(agent)
            try cluster.wait("the agent to re-attach", timeout: .seconds(20)) { (try? cluster.taskPID("kept", on: agent)) == keptPID }
            #expect(kill(keptPID, 0) == 0, "the container outlived the agent")
            #expect(Mounts.mountPoints(under: work + "/containers").count == 2, "re-attached containers keep their root filesystems")

            scheduler.kill("kept")
            try cluster.wait("the kept container to be killed", timeout: .seconds(20)) { scheduler.states(of: "kept").last == .killed }
            try cluster.wait("its bundle to go") { Mounts.mountPoints(under: work + "/containers").count == 1 }

            // Restarted with --recover cleanup: the other container is killed and nothing of it stays.
            try agent.process.kill(.kill)
            try cluster.wait("the agent to die") { agent.exit != nil }
            var arguments = agent.arguments
            if let index = arguments.firstIndex(of: "reconnect") { arguments[index] = "cleanup" }
            agent = try cluster.startAgain(agent, arguments: arguments)
            try cluster.wait("the dropped container to end", timeout: .seconds(30)) {
                scheduler.states(of: "dropped").last?.isTerminal == true
            }
            try cluster.wait("every container bundle, mount and runtime state to go", timeout: .seconds(10)) {
                Mounts.mountPoints(under: work).isEmpty
                    && ((try? FileManager.default.contentsOfDirectory(atPath: work + "/containers")) ?? []).isEmpty
                    && ((try? FileManager.default.contentsOfDirectory(atPath: work + "/runc")) ?? []).isEmpty
            }
            scheduler.close()
        }
    }

    /// The report's start times, in one run: from the launch to the first byte of output for the busybox image
    /// pulled cold from the registry, the same image warm, and a plain process. Printed, not asserted.
    @Test func firstByteOfOutputColdWarmAndPlain() throws {
        try withImages { cluster, registry, agent in
            let image = try registry.push("web-1", as: "web:1")
            let work = agent.workDirectory
            let scheduler = cluster.scheduler("start-times", format: .protobuf)
            func firstByte(_ id: String, in container: ContainerInfo?) throws -> Int {
                let offer = try cluster.offer(for: scheduler)
                var task = try shellTask(id, "echo first", on: offer, resources: "cpus:0.1;mem:32")
                task.container = container
                let tasks = "\(work)/frameworks/\(scheduler.frameworkID!.value)/tasks/\(id)"
                let started = ContinuousClock.now
                scheduler.launch([task], on: offer)
                try cluster.wait("the first byte of \(id)", timeout: .seconds(60)) {
                    guard let run = try? FileManager.default.contentsOfDirectory(atPath: tasks).first,
                          let size = try? FileManager.default.attributesOfItem(atPath: "\(tasks)/\(run)/stdout")[.size] as? Int else { return false }
                    return size > 0
                }
                let elapsed = ContinuousClock.now - started
                try cluster.wait("\(id) to finish", timeout: .seconds(30)) { scheduler.states(of: TaskID(id)).last == .finished }
                return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            }
            let container = ContainerInfo(type: .docker, docker: .init(image: image))
            let cold = try firstByte("cold", in: container)
            let warm = try firstByte("warm", in: container)
            let plain = try firstByte("plain", in: nil)
            print("first byte of output after the launch: busybox image cold (pull + unpack + start) \(cold) ms, warm \(warm) ms, plain process \(plain) ms")
            scheduler.close()
        }
    }

    /// Volumes (a host path read-only, a host path read-write, a sandbox path), Docker's default capabilities, all of
    /// them when privileged, the hostname and the /etc files.
    @Test func volumesCapabilitiesAndEtcFiles() throws {
        try withImages { cluster, registry, agent in
            let image = try registry.push("web-1", as: "web:1")
            let host = cluster.directory + "/host-data"
            try FileManager.default.createDirectory(atPath: host + "/out", withIntermediateDirectories: true)
            try "from the host\n".write(toFile: host + "/in.txt", atomically: true, encoding: .utf8)
            let scheduler = cluster.scheduler("container-volumes", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            let script = "cat /in/in.txt; touch /in/nope 2>/dev/null || echo read-only; echo written > /out/result.txt; "
                + "echo cached > cache/file.txt; grep CapEff /proc/self/status; hostname; grep -c nameserver /etc/resolv.conf"
            var plain = try shellTask("plain", script, on: offer, resources: "cpus:0.1;mem:32")
            plain.container = ContainerInfo(type: .docker, volumes: [
                Volume(mode: .ro, containerPath: "/in", hostPath: host),
                Volume(mode: .rw, containerPath: "/out", hostPath: host + "/out"),
                Volume(mode: .rw, containerPath: "cache", source: .init(type: .sandboxPath, sandboxPath: .init(type: .this, path: "cache"))),
            ], docker: .init(image: image), hostname: "box-1")
            var privileged = try shellTask("privileged", "grep CapEff /proc/self/status", on: offer, resources: "cpus:0.1;mem:32")
            privileged.container = ContainerInfo(type: .docker, docker: .init(image: image, privileged: true))
            // A COMMAND health check runs inside the container: only the image's os-release says agora-test.
            var checked = try shellTask("checked", "exec sleep 60", on: offer, resources: "cpus:0.1;mem:32")
            checked.container = ContainerInfo(type: .mesos, mesos: .init(image: Image(type: .docker, docker: .init(name: image))))
            checked.healthCheck = HealthCheck(type: .command, command: .shell("grep -q agora-test /etc/os-release"),
                                              delaySeconds: 0, intervalSeconds: 0.5, timeoutSeconds: 5, gracePeriodSeconds: 10)
            checked.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: 1))
            scheduler.launch([plain, privileged, checked], on: offer)
            try cluster.wait("two to finish and the checked one to be healthy", timeout: .seconds(30)) {
                scheduler.states(of: "plain").last?.isTerminal == true && scheduler.states(of: "privileged").last?.isTerminal == true
                    && scheduler.lastStatus(of: "checked")?.healthy == true
            }
            scheduler.kill("checked")
            try cluster.wait("the checked one to be killed") { scheduler.states(of: "checked").last == .killed }
            #expect(scheduler.states(of: "plain").last == .finished, "\(scheduler.lastStatus(of: "plain")?.message ?? "")")
            let output = try stdout(of: "plain", on: agent, cluster)
            #expect(output.contains("from the host\nread-only\n"), "output: \(output)")
            #expect(try String(contentsOfFile: host + "/out/result.txt", encoding: .utf8) == "written\n")
            // Docker's default set: chown dac_override fowner fsetid kill setgid setuid setpcap net_bind_service net_raw
            // sys_chroot mknod audit_write setfcap.
            #expect(output.contains("CapEff:\t00000000a80425fb"), "output: \(output)")
            #expect(output.contains("box-1\n1\n"), "output: \(output)")
            let sandbox = try cluster.getJSON(agent, "/state").list("completed_tasks").first { $0["id"] == .string("plain") }?["sandbox"]?.textValue ?? ""
            #expect(try String(contentsOfFile: sandbox + "/cache/file.txt", encoding: .utf8) == "cached\n")
            let all = try stdout(of: "privileged", on: agent, cluster)
            // Every capability Mesos names (0 to 37) that this host lets the agent hold.
            let held = (try String(contentsOfFile: "/proc/self/status", encoding: .utf8)).split(separator: "\n")
                .first { $0.hasPrefix("CapBnd:") }.flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
            let expected = String(held & 0x3f_ffff_ffff, radix: 16)
            #expect(all.contains("CapEff:\t" + String(repeating: "0", count: 16 - expected.count) + expected), "privileged: \(all) \(scheduler.lastStatus(of: "privileged")?.message ?? "")")
            scheduler.close()
        }
    }

    /// A container over its memory limit is failed with REASON_CONTAINER_LIMITATION_MEMORY, as a plain task is.
    @Test func containerOverItsMemoryIsFailedWithTheMemoryReason() throws {
        try withImages { cluster, registry, _ in
            let image = try registry.push("web-1", as: "web:1")
            let scheduler = cluster.scheduler("container-memory", format: .json)
            let offer = try cluster.offer(for: scheduler)
            var hog = try shellTask("hog", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived", on: offer,
                                    resources: "cpus:0.2;mem:32")
            hog.container = ContainerInfo(type: .docker, docker: .init(image: image))
            scheduler.launch([hog], on: offer)
            try cluster.wait("the hog to fail", timeout: .seconds(60)) { scheduler.states(of: "hog").last == .failed }
            let status = scheduler.lastStatus(of: "hog")
            #expect(status?.reason == .containerLimitationMemory, "\(status?.message ?? "")")
            #expect(status?.message?.contains("32 MB") == true)
            scheduler.close()
        }
    }
}

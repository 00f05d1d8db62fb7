import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// `/files/read` serves regular files beneath the sandboxes only: no symlink race, FIFO or hard link gets past it.
@Suite(.serialized) struct SandboxFilesTests {
    /// Swaps `d` (a directory) and `s` (a symlink out of the sandbox) with renameat2(RENAME_EXCHANGE) until killed,
    /// for at most 60 s.
    private static let swapper = """
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        end = time.time() + 60
        while time.time() < end:
            if libc.renameat2(-100, b"d", -100, b"s", 2) != 0:
                raise SystemExit("renameat2: " + os.strerror(ctypes.get_errno()))
        """

    @Test func noRaceFIFOOrHardLinkGetsOutOfTheSandbox() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:1;mem:256;disk:256;ports:[31220-31229]")
            let outside = cluster.directory + "/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try "SECRET\n".write(toFile: outside + "/f", atomically: true, encoding: .utf8)
            let scheduler = cluster.scheduler("files", format: .json)
            let offer = try cluster.offer(for: scheduler)
            let setup = "mkdir d && echo inside > d/f && ln -s \(outside) s && mkfifo pipe && ln \(outside)/f hard; sleep 120"
            scheduler.launch([try shellTask("files", setup, on: offer, resources: "cpus:0.1;mem:32")], on: offer)
            try cluster.wait("the task to run") { scheduler.states(of: "files").last == .running }
            var sandbox = ""
            try cluster.wait("the sandbox to be ready") {
                sandbox = (try? cluster.getJSON(agent, "/state"))?.list("tasks").first?["sandbox"]?.textValue ?? ""
                return !sandbox.isEmpty && FileManager.default.fileExists(atPath: sandbox + "/hard")
            }

            // Reads of the FIFO (each refused at once) with /health asked one call at a time meanwhile.
            var health: [Duration] = []
            let clock = ContinuousClock()
            var fifo: HTTPResponse?
            var fifoTime: Duration = .zero
            for _ in 0..<20 {
                let fifoStart = clock.now
                var answered = false
                HTTPClient.send(loop: cluster.loop, to: agent.address!, HTTPRequest(method: .get, target: "/files/read?path=\(sandbox)/pipe")) {
                    fifo = try? $0.get()
                    fifoTime = max(fifoTime, clock.now - fifoStart)
                    answered = true
                }
                let sent = clock.now
                _ = try cluster.get(agent, "/health")
                health.append(clock.now - sent)
                try cluster.wait("the FIFO answer") { answered }
            }
            #expect(fifo.map { (400..<500).contains($0.status.rawValue) } == true, "FIFO: \(fifo.map { "\($0.status) \($0.bodyText)" } ?? "")")
            // A loop that opened the FIFO would wait for a writer forever: every answer above arriving is the check.
            // The times are printed, not asserted (a loaded machine makes them what it likes).
            let sorted = health.sorted()
            let median = sorted.isEmpty ? .zero : sorted[sorted.count / 2]
            print("files: FIFO refused in at most \(fifoTime); /health meanwhile: median \(median), slowest \(sorted.last ?? .zero) of 20")

            let hard = try cluster.get(agent, "/files/read?path=\(sandbox)/hard")
            #expect(hard.status == .forbidden && !hard.bodyText.contains("SECRET"), "hard link: \(hard.bodyText)")
            let link = try cluster.get(agent, "/files/read?path=\(sandbox)/s/f")
            #expect(link.status == .forbidden, "symlink: \(link.bodyText)")

            // /files/browse lists the sandbox as Mesos does; the symlink is listed, never followed.
            let listing = try cluster.getJSON(agent, "/files/browse?path=\(sandbox)")
            guard case .array(let entries) = listing else {
                Issue.record("browse: \(listing)")
                return
            }
            let byName = Dictionary(entries.compactMap { entry in entry["path"]?.textValue.map { ($0, entry) } },
                                    uniquingKeysWith: { first, _ in first })
            #expect(byName["\(sandbox)/d"]?["mode"]?.textValue?.hasPrefix("d") == true)
            #expect(byName["\(sandbox)/s"]?["mode"]?.textValue?.hasPrefix("l") == true)
            #expect(byName["\(sandbox)/pipe"]?["mode"]?.textValue?.hasPrefix("p") == true)
            #expect(byName["\(sandbox)/stdout"] != nil && byName["\(sandbox)/stdout"]?["uid"] != nil)
            #expect(try cluster.get(agent, "/files/browse?path=\(sandbox)/s").status == .forbidden, "no listing through a symlink")
            #expect(try cluster.get(agent, "/files/browse?path=\(sandbox)/stdout").status == .badRequest)
            #expect(try cluster.get(agent, "/files/browse?path=/etc").status == .forbidden)
            #expect(try cluster.get(agent, "/files/browse?path=\(sandbox)/d/../..").status == .forbidden)

            var exit: ProcessExit?
            let swapper = try ChildProcess.spawn(loop: cluster.loop, ProcessSpec(
                command: .argv(["/usr/bin/env", "python3", "-c", Self.swapper]), workingDirectory: sandbox,
                stderrPath: cluster.directory + "/swapper.err")) { exit = $0 }
            defer {
                try? swapper.killGroup(.kill)
                cluster.loop.run(until: { exit != nil }, timeout: .seconds(5))
            }
            var outcomes: [String: Int] = [:]
            var leaks = 0
            let started = clock.now
            for _ in 0..<5000 {
                let response = try cluster.get(agent, "/files/read?path=\(sandbox)/d/f")
                if response.bodyText.contains("SECRET") { leaks += 1 }
                outcomes["\(response.status.rawValue)", default: 0] += 1
            }
            let elapsed = clock.now - started
            #expect(exit == nil, "the swapper stopped early: \(readError(cluster.directory + "/swapper.err"))")
            print("files: 5000 reads under rename-exchange in \(elapsed): \(outcomes.sorted { $0.key < $1.key }), leaks \(leaks)")
            #expect(leaks == 0)
            #expect((outcomes["200"] ?? 0) > 0, "some reads saw the real directory")
            scheduler.close()
        }
    }

    private func readError(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

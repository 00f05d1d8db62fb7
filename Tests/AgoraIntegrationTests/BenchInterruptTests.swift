import AgoraClusterTesting
import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Glibc
import Testing

/// `agora-bench` stopped with Ctrl-C while its cluster runs: the daemons it started have process groups of their own
/// (the terminal's signal does not reach them), so only the bench can stop them.
@Suite(.serialized) struct BenchInterruptTests {
    @Test func aBenchStoppedWithSIGINTLeavesNoProcessMountCgroupOrFile() throws {
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        defer {
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
            try? loop.close()
        }
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = scratch.path + "/"
        // What this test checks is what the bench leaves, not its heap at exit (the sanitized suite runs it too).
        environment["ASAN_OPTIONS"] = "detect_leaks=0"
        var exit: ProcessExit?
        let bench = try ChildProcess.spawn(loop: loop, ProcessSpec(
            command: .argv([Cluster.binary("agora-bench"), "--quick", "cluster"]), environment: environment,
            stdoutPath: scratch.path + "/bench.out", stderrPath: scratch.path + "/bench.err")) { exit = $0 }
        let output = { (try? String(contentsOfFile: scratch.path + "/bench.err", encoding: .utf8)) ?? "" }

        // Its master and two agents are up: the end-to-end run has started.
        var started: [(pid: Int32, name: String)] = []
        let running = loop.run(until: {
            started = children(of: bench.pid)
            return exit != nil || started.filter({ $0.name == "agora-agent" }).count == 2
        }, timeout: .seconds(120))
        try #require(running && exit == nil, "the bench's cluster did not start: \(output())")
        let agents = started.filter { $0.name == "agora-agent" }.map(\.pid)
        // Should the bench leave anything, the test removes it (after checking).
        defer {
            for child in started { kill(-child.pid, SIGKILL) }
            for point in Mounts.mountPoints(under: scratch.path) { try? Mounts.unmount(point) }
        }

        try bench.kill(.interrupt)
        try #require(loop.run(until: { exit != nil }, timeout: .seconds(60)), "the bench did not stop")
        #expect(exit == ProcessExit(code: 130, signal: nil), "\(output())")
        #expect(output().contains("interrupted by SIGINT"))
        for child in started {
            #expect(kill(child.pid, 0) != 0, "\(child.name) (\(child.pid)) outlived the bench")
        }
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(scratch.path), "a mount under the bench's directory is left")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
        #expect(Set(left).isSubset(of: ["bench.out", "bench.err"]), "left behind: \(left)")
        let cgroups = ["memory", "cpu", "pids"].flatMap { hierarchy in
            (["bench-\(bench.pid)"] + agents.map(String.init)).map { "/sys/fs/cgroup/\(hierarchy)/agora/\($0)" }
        }
        #expect(cgroups.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "cgroups left behind")
    }
}

/// The processes whose parent is `pid`, with their command names (from `/proc/<pid>/stat`).
private func children(of pid: Int32) -> [(pid: Int32, name: String)] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> (pid: Int32, name: String)? in
        guard let child = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, Int32(fields[1]) == pid else { return nil }
        return (child, String(stat[stat.index(after: open)..<close]))
    }
}

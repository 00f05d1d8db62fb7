import AgoraRuntime
import Foundation

/// One run of an external tool the agent relies on (`skopeo`, `umoci`, `tar`, CNI plugins): its input and output in
/// files under `scratch`, a deadline after which it is killed, and one completion on the loop with its exit and output.
enum ToolRun {
    /// How a tool run ended: its exit (nil when it could not start or was killed at the deadline), its output, and
    /// the last line of its error output as the reason.
    struct Outcome {
        var exit: ProcessExit?
        var output: String
        var reason: String
        var succeeded: Bool { exit?.succeeded == true }
    }

    static func start(loop: Loop, _ argv: [String], environment: [String: String], input: [UInt8]? = nil,
                      scratch: String, timeout: Duration, _ done: @escaping (Outcome) -> Void) {
        let name = UUID().uuidString
        let stdin = "\(scratch)/\(name).in"
        let stdout = "\(scratch)/\(name).out"
        let stderr = "\(scratch)/\(name).err"
        var deadline: LoopTimer?
        var timedOut = false
        let finish = { (exit: ProcessExit?) in
            deadline?.close()
            let output = (try? Files.readText(stdout)) ?? ""
            let errors = (try? Files.readText(stderr)) ?? ""
            for path in [stdin, stdout, stderr] { try? FileManager.default.removeItem(atPath: path) }
            var reason = errors.split(separator: "\n").last.map { String($0) } ?? exit.map { "\(argv[0]) \($0)" } ?? ""
            if timedOut { reason = "\(argv[0]) did not finish within \(timeout) and was killed" }
            done(Outcome(exit: timedOut ? nil : exit, output: output, reason: reason))
        }
        var spec = ProcessSpec(command: .argv(argv), environment: environment, workingDirectory: scratch,
                               stdoutPath: stdout, stderrPath: stderr, ownProcessGroup: true)
        do {
            if let input {
                try Files.writeScratch(stdin, input)
                spec.stdinPath = stdin
            }
            let process = try ChildProcess.spawn(loop: loop, spec) { exit in finish(exit) }
            deadline = try? loop.schedule(after: timeout) { [weak process] in
                timedOut = true
                try? process?.killGroup(.kill)
            }
        } catch {
            done(Outcome(exit: nil, output: "", reason: "cannot start \(argv[0]): \(error)"))
        }
    }
}

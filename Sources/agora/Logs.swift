import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora logs TASK [--stderr] [--follow]`
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a task's stdout (or stderr) from its sandbox.")
        @OptionGroup var master: MasterOptions
        @Argument(help: "The task id.") var task: String
        @Flag(help: "Print stderr instead of stdout.") var stderr = false
        @Flag(name: .shortAndLong, help: "Keep printing new output until the task ends (Ctrl-C to stop).") var follow = false

        func run() throws {
            try reporting {
                let masterAddress = try master.address()
                let files = try SandboxFiles.locate(task: task, master: masterAddress)
                let file = stderr ? "stderr" : "stdout"
                var offset: Int64 = 0
                while true {
                    let (bytes, next) = try files.read(file, from: offset)
                    FileHandle.standardOutput.write(Data(bytes))
                    offset = next
                    guard follow else { return }
                    if bytes.isEmpty {
                        if (try ClusterState.fetch(masterAddress).task(task)).completed {
                            let (rest, _) = try files.read(file, from: offset)
                            FileHandle.standardOutput.write(Data(rest))
                            return
                        }
                        usleep(250_000)
                    }
                }
            }
        }
    }
}

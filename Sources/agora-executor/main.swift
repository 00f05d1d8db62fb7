import AgoraExecutor
import AgoraRuntime
import Glibc

// agora-executor: Agora's command executor. The agent starts one per task with the environment Mesos gives
// executors (MESOS_AGENT_ENDPOINT, MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_SANDBOX, MESOS_CHECKPOINT, …);
// it subscribes to the agent's /api/v1/executor and runs the task it is sent.

func say(_ message: String) {
    let line = Array("agora-executor: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

var variables: [String: String] = [:]
var entry = environ
while let pointer = entry.pointee {
    let pair = String(cString: pointer)
    if let equals = pair.firstIndex(of: "=") {
        variables[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    entry += 1
}

do {
    let environment = try ExecutorEnvironment(variables)
    let loop = try Loop()
    let executor = CommandExecutor(loop: loop, environment: environment, log: say)
    var code: Int32?
    executor.onFinished = { finished in
        code = finished
        loop.stop()
    }
    executor.start()
    loop.run()
    exit(code ?? 1)
} catch {
    say("\(error)")
    exit(64)
}

import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation

/// Reads a task's sandbox files through its agent's `/files/read`.
struct SandboxFiles {
    let agent: SocketAddress
    let sandbox: String

    /// Finds the agent and sandbox of `taskID` from the master's state.
    static func locate(task taskID: String, master: SocketAddress) throws -> SandboxFiles {
        let state = try ClusterState.fetch(master)
        let task = try state.task(taskID)
        let agent = try state.agent(task.agentID)
        guard let address = agent.address else { throw CLIError.failed("agent \(agent.id) has no usable address") }
        let agentState = try BlockingHTTP.json("/state", from: address, what: "agent \(agent.id)")
        let runs = (agentState.list("tasks") + agentState.list("completed_tasks"))
            .filter { $0.string("id") == taskID && $0.string("framework_id") == task.frameworkID }
        guard let sandbox = runs.last?.string("sandbox"), !sandbox.isEmpty else {
            throw CLIError.failed("agent \(agent.id) has no sandbox for task '\(taskID)' (already collected?)")
        }
        return SandboxFiles(agent: address, sandbox: sandbox)
    }

    /// Bytes of `file` from `offset`, and the offset after them.
    func read(_ file: String, from offset: Int64) throws -> (bytes: [UInt8], next: Int64) {
        let path = (sandbox + "/" + file).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? file
        let json = try BlockingHTTP.json("/files/read?path=\(path)&offset=\(offset)", from: agent, what: "the agent")
        let data = Array(json.string("data").utf8)
        return (data, offset + Int64(data.count))
    }
}

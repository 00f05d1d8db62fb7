import AgoraWire
import Foundation

/// Where an agent keeps things under its work directory.
struct SandboxLayout {
    let root: String

    /// Every task sandbox lives below this directory, and `/files/read` serves nothing outside it.
    var sandboxesRoot: String { root + "/frameworks" }

    /// A new sandbox directory for one run of a task.
    func newSandbox(framework: FrameworkID, task: TaskID) -> String {
        let run = "\(Int(Date().timeIntervalSince1970 * 1000))-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        return "\(sandboxesRoot)/\(safe(framework.value))/tasks/\(safe(task.value))/\(run)"
    }

    /// The file remembering the id the master gave this agent.
    var agentIDFile: String { root + "/agent_id" }

    private func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }

    /// Resolves `path` and returns it only when it lies inside the sandboxes root.
    func resolveInsideSandboxes(_ path: String) -> String? {
        let resolvedRoot = URL(fileURLWithPath: sandboxesRoot).resolvingSymlinksInPath().path
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        guard resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot + "/") else { return nil }
        return resolved
    }
}

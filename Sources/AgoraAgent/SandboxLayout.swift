import AgoraWire
import Foundation

/// Where an agent keeps things under its work directory.
struct SandboxLayout {
    let root: String

    /// Every task sandbox lives below this directory, and `/files/read` serves nothing outside it.
    var sandboxesRoot: String { root + "/frameworks" }

    /// A new sandbox directory for one run of a task started at `now` (seconds since 1970).
    func newSandbox(framework: FrameworkID, task: TaskID, now: Double) -> String {
        let run = "\(Bounds.clampedInt64(now * 1000))-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        return "\(sandboxesRoot)/\(PathComponent.safe(framework.value))/tasks/\(PathComponent.safe(task.value))/\(run)"
    }

    /// The file remembering the id the master gave this agent.
    var agentIDFile: String { root + "/agent_id" }

    /// The file keeping the secret that proves this agent owns its id (mode 0600).
    var agentTokenFile: String { root + "/agent_token" }

    /// `path` relative to the sandboxes root, when it names something below it without `.`, `..` or empty parts
    /// (the kernel then resolves it beneath the root; see `BeneathReader`).
    func relativeToSandboxes(_ path: String) -> String? {
        let roots = [sandboxesRoot, URL(fileURLWithPath: sandboxesRoot).resolvingSymlinksInPath().path]
        guard let root = roots.first(where: { path.hasPrefix($0 + "/") }) else { return nil }
        let relative = String(path.dropFirst(root.count + 1))
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return nil }
        return relative
    }
}

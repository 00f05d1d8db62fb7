import Foundation
import AgoraWire

/// What a container runs, decided as Docker and Mesos do: a shell `command` runs as `/bin/sh -c` in the image; an
/// executable `value` replaces the image's entrypoint and command; `arguments` alone replace the image's `Cmd` after
/// its `Entrypoint`; nothing runs the image's own `Entrypoint` and `Cmd`.
enum ContainerCommand {
    static func arguments(image: ImageConfig, command: CommandInfo?) throws(ContainerError) -> [String] {
        let value = command?.value ?? ""
        let argv: [String]
        if let command, command.isShell, !value.isEmpty {
            argv = ["/bin/sh", "-c", value]
        } else if !value.isEmpty {
            argv = [value] + (command?.arguments.dropFirst() ?? [])
        } else {
            argv = image.entrypoint + ((command?.arguments.isEmpty ?? true) ? image.cmd : command?.arguments ?? [])
        }
        guard let first = argv.first, !first.isEmpty else {
            throw ContainerError("the image has no Entrypoint or Cmd and the task gives no command")
        }
        return argv
    }

    /// The container's environment: the image's, then the task's (whose `PATH` wins only when the task set one).
    static func environment(image: ImageConfig, task: [String: String], taskSetPath: Bool) -> [String] {
        var merged: [String: String] = [:]
        var order: [String] = []
        for entry in image.env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if merged[name] == nil { order.append(name) }
            merged[name] = parts.count > 1 ? String(parts[1]) : ""
        }
        for (name, value) in task.sorted(by: { $0.key < $1.key }) where name != "PATH" || taskSetPath || merged["PATH"] == nil {
            if merged[name] == nil { order.append(name) }
            merged[name] = value
        }
        return order.map { "\($0)=\(merged[$0] ?? "")" }
    }

    /// The user a container runs as: the image's, unless the task names one (`uid[:gid]`, or a name in the image's
    /// `/etc/passwd`).
    static func user(image: ImageConfig, named name: String?, rootfs: String) throws(ContainerError) -> (uid: UInt32, gid: UInt32) {
        guard let name, !name.isEmpty else { return (image.uid, image.gid) }
        let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
        if let uid = UInt32(parts[0]) { return (uid, parts.count > 1 ? UInt32(parts[1]) ?? uid : uid) }
        let passwd = (try? String(contentsOfFile: rootfs + "/etc/passwd", encoding: .utf8)) ?? ""
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 3, fields[0] == name, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) { return (uid, gid) }
        }
        throw ContainerError("user '\(name)' is not in the image's /etc/passwd")
    }
}

/// Why a container could not be prepared.
struct ContainerError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

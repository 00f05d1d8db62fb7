@testable import AgoraAgent
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation
import Logging
import Testing

/// What a container runs, as Docker and Mesos decide it from the image and the task's command.
@Suite struct ContainerCommandTests {
    private let image = ImageConfig(entrypoint: ["/bin/server"], cmd: ["--port", "80"], env: ["PATH=/bin", "MODE=image"],
                                    workingDir: "/srv", uid: 1000, gid: 1000)

    @Test func theTasksCommandOverridesTheImageAsDockerDoes() throws {
        #expect(try ContainerCommand.arguments(image: image, command: nil) == ["/bin/server", "--port", "80"])
        #expect(try ContainerCommand.arguments(image: image, command: .shell("echo hi")) == ["/bin/sh", "-c", "echo hi"])
        let args = CommandInfo(shell: false, value: nil, arguments: ["--port", "8080"])
        #expect(try ContainerCommand.arguments(image: image, command: args) == ["/bin/server", "--port", "8080"])
        let executable = CommandInfo(shell: false, value: "/bin/other", arguments: ["other", "-v"])
        #expect(try ContainerCommand.arguments(image: image, command: executable) == ["/bin/other", "-v"])
        let empty = CommandInfo(shell: false, value: nil, arguments: [])
        #expect(throws: ContainerError.self) { try ContainerCommand.arguments(image: ImageConfig(), command: empty) }
    }

    @Test func theEnvironmentIsTheImagesThenTheTasks() {
        let merged = ContainerCommand.environment(image: image, task: ["MODE": "task", "PATH": "/usr/bin", "PORT0": "31000"],
                                                  taskSetPath: false)
        #expect(merged == ["PATH=/bin", "MODE=task", "PORT0=31000"])
        #expect(ContainerCommand.environment(image: image, task: ["PATH": "/opt/bin"], taskSetPath: true).first == "PATH=/opt/bin")
        #expect(ContainerCommand.environment(image: ImageConfig(), task: ["PATH": "/usr/bin"], taskSetPath: false) == ["PATH=/usr/bin"])
    }

    @Test func theUserIsTheImagesUnlessTheTaskNamesOne() throws {
        let rootfs = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: rootfs.path + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0::/root:/bin/sh\nweb:x:33:44::/srv:/bin/sh\n".write(toFile: rootfs.path + "/etc/passwd", atomically: true, encoding: .utf8)
        #expect(try ContainerCommand.user(image: image, named: nil, rootfs: rootfs.path) == (1000, 1000))
        #expect(try ContainerCommand.user(image: image, named: "web", rootfs: rootfs.path) == (33, 44))
        #expect(try ContainerCommand.user(image: image, named: "5:6", rootfs: rootfs.path) == (5, 6))
        #expect(throws: ContainerError.self) { try ContainerCommand.user(image: image, named: "nobody", rootfs: rootfs.path) }
    }

    @Test func imageNamesAreCheckedWhereTheyAreRead() throws {
        #expect(try ImageReference("busybox:1.36").source == .registry)
        #expect(try ImageReference("registry:5000/team/app@sha256:" + String(repeating: "a", count: 64)).skopeoSource
                == "docker://registry:5000/team/app@sha256:" + String(repeating: "a", count: 64))
        #expect(try ImageReference("oci-archive:/images/web.tar").source == .archive)
        for bad in ["", "-rf", "busy box", "a\u{7f}b", "oci:relative/path", "docker-archive:/x/../../etc", "web;rm -rf /",
                    String(repeating: "a", count: 1025)] {
            #expect(throws: ImageError.self, "\(bad)") { try ImageReference(bad) }
        }
        #expect(try ImageReference("busybox").storeKey == (try ImageReference("busybox").storeKey))
        #expect(try ImageReference("busybox").storeKey != (try ImageReference("busybox:1.36").storeKey))
    }

    @Test func aRestartedStoreRemovesHalfUnpackedImages() throws {
        let directory = try ScratchDirectory()
        let loop = try Loop()
        defer { try? loop.close() }
        let partial = directory.path + "/rootfs/0123.partial/rootfs/bin"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path + "/rootfs/4567/rootfs", withIntermediateDirectories: true)
        _ = try ImageStore(loop: loop, settings: .init(directory: directory.path, mirrors: ["mirror.local:5000"],
                                                       insecureRegistries: ["mirror.local:5000", "10.0.0.1:5000"]),
                           logger: Logger(label: "test"), now: { 0 })
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/rootfs/0123.partial"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/rootfs/4567"))
        let conf = try String(contentsOfFile: directory.path + "/registries.conf", encoding: .utf8)
        #expect(conf.contains("location = \"mirror.local:5000\"\ninsecure = true") && conf.contains("location = \"10.0.0.1:5000\"\ninsecure = true"))
    }
}

import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

@Suite struct MountsTests {
    @Test func aPathIsOnTheFileSystemOfItsDeepestMountPoint() throws {
        #expect(Mounts.fileSystemType(of: "/proc/self/status") == "proc")
        #expect(Mounts.fileSystemType(of: "/") != nil)
        let scratch = try ScratchDirectory()
        let below = Mounts.fileSystemType(of: scratch.path)
        #expect(below != nil)
        // Where this process may mount (root), a tmpfs on the directory changes what is below it, and only that.
        guard getuid() == 0 else { return }
        try Mounts.tmpfs(at: scratch.path, megabytes: 1)
        defer { try? Mounts.unmount(scratch.path) }
        #expect(Mounts.fileSystemType(of: scratch.path) == "tmpfs")
        #expect(Mounts.fileSystemType(of: scratch.path + "/a/b") == "tmpfs")
        #expect(Mounts.fileSystemType(of: scratch.path + "-sibling") == below)
        #expect(throws: RuntimeError.self) { try Mounts.tmpfs(at: scratch.path + "/missing", megabytes: 1) }
    }
}

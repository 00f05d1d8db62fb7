import AgoraHTTP
import AgoraRuntime
import Foundation

/// The container images of the tests and a Docker registry to pull them from: the images are built by
/// `Fixtures/build-test-images.sh` (busybox-static, umoci) into an OCI layout, and Debian's `docker-registry` serves
/// them on a loopback port chosen at run time, its storage in the cluster's directory.
public final class TestRegistry {
    public let daemon: Daemon
    /// `127.0.0.1:PORT`, for image names and `--insecure-registry`.
    public let host: String
    /// The OCI layout holding the built images (`oci:<layout>:<tag>` names one directly).
    public let layout: String
    /// Where the registry keeps its blobs.
    public let storage: String
    private let cluster: Cluster

    /// Whether this machine has what container tests need: root, runc, skopeo, umoci, docker-registry, busybox-static.
    public static var available: Bool {
        getuid() == 0 && ["/usr/sbin/runc", "/usr/bin/skopeo", "/usr/bin/umoci", "/usr/bin/docker-registry", "/bin/busybox"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Builds the test images with `script` and starts a registry serving nothing yet.
    public init(cluster: Cluster, script: String) throws {
        self.cluster = cluster
        let directory = cluster.directory + "/images"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let build = try cluster.run("/bin/bash", [script, directory], timeout: .seconds(120))
        guard build.exit.succeeded else { throw IntegrationError(description: "building the test images failed: \(build.stderr)") }
        layout = directory + "/oci"
        storage = directory + "/registry"
        let port = try TestRegistry.freePort(loop: cluster.loop)
        host = "127.0.0.1:\(port)"
        let config = "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: \(storage)\n"
            + "  delete:\n    enabled: true\nhttp:\n  addr: \(host)\n"
        try config.write(toFile: directory + "/registry.yml", atomically: true, encoding: .utf8)
        daemon = try cluster.startProcess("docker-registry", ["/usr/bin/docker-registry", "serve", directory + "/registry.yml"],
                                          address: SocketAddress(host: "127.0.0.1", port: port))
        try cluster.wait("the registry to answer", timeout: .seconds(20)) {
            guard daemon.exit == nil else { return true }
            return (try? cluster.get(daemon, "/v2/").status) == .ok
        }
        guard daemon.exit == nil else { throw IntegrationError(description: "docker-registry exited: \(daemon.logs)") }
    }

    /// Pushes the layout's `tag` to this registry as `name` (`web:1`); returns the image reference to run.
    @discardableResult
    public func push(_ tag: String, as name: String) throws -> String {
        let result = try cluster.run("/usr/bin/skopeo", ["copy", "--quiet", "--dest-tls-verify=false", "oci:\(layout):\(tag)",
                                                         "docker://\(host)/\(name)"])
        guard result.exit.succeeded else { throw IntegrationError(description: "pushing \(tag): \(result.stderr)") }
        return "\(host)/\(name)"
    }

    /// Writes the layout's `tag` as an OCI archive at `path`; returns the image name that loads it.
    public func archive(_ tag: String, to path: String) throws -> String {
        let result = try cluster.run("/usr/bin/skopeo", ["copy", "--quiet", "oci:\(layout):\(tag)", "oci-archive:\(path)"])
        guard result.exit.succeeded else { throw IntegrationError(description: "archiving \(tag): \(result.stderr)") }
        return "oci-archive:\(path)"
    }

    /// Overwrites the registry's copy of blob `digest` (`sha256:…`) with other bytes, so its digest no longer matches.
    public func corrupt(blob digest: String) throws {
        let hex = String(digest.dropFirst("sha256:".count))
        let path = "\(storage)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
        guard FileManager.default.fileExists(atPath: path) else { throw IntegrationError(description: "the registry has no blob \(digest)") }
        try Data("not the layer you are looking for".utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The digest of the last layer of the layout's `tag`.
    public func lastLayer(of tag: String) throws -> String {
        func json(_ path: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        }
        let index = try json(layout + "/index.json")
        guard let entry = (index["manifests"] as? [[String: Any]])?.first(where: {
            ($0["annotations"] as? [String: Any])?["org.opencontainers.image.ref.name"] as? String == tag
        }), let digest = entry["digest"] as? String else { throw IntegrationError(description: "no tag \(tag)") }
        let manifest = try json(layout + "/blobs/sha256/" + digest.dropFirst(7))
        guard let layer = (manifest["layers"] as? [[String: Any]])?.last?["digest"] as? String else {
            throw IntegrationError(description: "\(tag) has no layers")
        }
        return layer
    }

    /// Stops the registry (SIGTERM, then SIGKILL).
    public func stop() throws {
        try daemon.process.killGroup(.terminate)
        try cluster.wait("the registry to stop") { daemon.exit != nil }
    }

    private static func freePort(loop: Loop) throws -> UInt16 {
        let server = try HTTPServer(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: Router())
        defer { server.close() }
        return server.localAddress.port
    }
}

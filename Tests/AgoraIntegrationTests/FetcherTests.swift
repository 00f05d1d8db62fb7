import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// `CommandInfo.uris`: the agent's fetcher puts files from an HTTP server on loopback and from local paths into the
/// sandbox before the task starts.
@Suite(.serialized) struct FetcherTests {
    @Test func urisAreFetchedExtractedAndMadeExecutableBeforeTheTaskRuns() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            // An archive with inner/hello.txt, a script, and a local file, served from the test's own loop.
            let files = cluster.directory + "/files"
            try FileManager.default.createDirectory(atPath: files + "/inner", withIntermediateDirectories: true)
            try "hello from the archive\n".write(toFile: files + "/inner/hello.txt", atomically: true, encoding: .utf8)
            let tar = try cluster.run("/usr/bin/env", ["tar", "-C", files, "-czf", cluster.directory + "/bundle.tar.gz", "inner"])
            #expect(tar.exit.succeeded, "\(tar.stderr)")
            try "local copy\n".write(toFile: cluster.directory + "/local.txt", atomically: true, encoding: .utf8)
            let router = Router()
            let bundle = try Data(contentsOf: URL(fileURLWithPath: cluster.directory + "/bundle.tar.gz"))
            router.add(.get, "/bundle.tar.gz") { _ in HTTPResponse(status: .ok, headers: [:], body: Array(bundle)) }
            router.add(.get, "/tool.sh") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "#!/bin/sh\necho tool ran\n") }
            let server = try HTTPServer(loop: cluster.loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
            defer { server.close() }
            let base = "http://127.0.0.1:\(server.localAddress.port)"

            let scheduler = cluster.scheduler("fetch", format: .json)
            var offer = try cluster.offer(for: scheduler)
            var task = try shellTask("fetched", "./tool.sh && cat inner/hello.txt copy.txt", on: offer, resources: "cpus:0.1;mem:32")
            task.command?.uris = [
                .init(value: base + "/tool.sh", executable: true),
                .init(value: base + "/bundle.tar.gz?version=1"),
                .init(value: cluster.directory + "/local.txt", outputFile: "copy.txt"),
            ]
            var missing = try shellTask("missing", "true", on: offer, resources: "cpus:0.1;mem:32")
            missing.command?.uris = [.init(value: base + "/nothing-here")]
            scheduler.launch([task, missing], on: offer)
            try cluster.wait("both ends", timeout: .seconds(30)) {
                scheduler.lastStatus(of: "fetched")?.state.isTerminal == true && scheduler.lastStatus(of: "missing")?.state.isTerminal == true
            }
            #expect(scheduler.lastStatus(of: "fetched")?.state == .finished, "\(scheduler.lastStatus(of: "fetched")?.message ?? "")")
            let sandbox = try #require(scheduler.lastStatus(of: "fetched")?.label(StatusLabel.sandbox))
            let output = try cluster.getJSON(agent, "/files/read?path=\(sandbox)/stdout")["data"]
            #expect(output == .string("fetched \(base)/tool.sh into tool.sh\nfetched \(base)/bundle.tar.gz?version=1 into bundle.tar.gz\n"
                + "fetched \(cluster.directory)/local.txt into copy.txt\ntool ran\nhello from the archive\nlocal copy\n"))
            let failed = scheduler.lastStatus(of: "missing")
            #expect(failed?.state == .failed && failed?.reason == .containerLaunchFailed)
            #expect(failed?.message?.contains("'\(base)/nothing-here'") == true && failed?.message?.contains("HTTP status 404") == true,
                    "\(failed?.message ?? "")")

            // What the fetcher cannot do is refused before anything starts.
            offer = try cluster.offer(for: scheduler)
            var hdfs = try shellTask("hdfs", "true", on: offer, resources: "cpus:0.1;mem:32")
            hdfs.command?.uris = [.init(value: "hdfs://namenode/data")]
            var cached = try shellTask("cached", "true", on: offer, resources: "cpus:0.1;mem:32")
            cached.command?.uris = [.init(value: base + "/tool.sh", cache: true)]
            scheduler.launch([hdfs, cached], on: offer)
            try cluster.wait("both refused") { scheduler.lastStatus(of: "hdfs") != nil && scheduler.lastStatus(of: "cached") != nil }
            #expect(scheduler.lastStatus(of: "hdfs")?.state == .error && scheduler.lastStatus(of: "hdfs")?.message?.contains("hdfs://") == true)
            #expect(scheduler.lastStatus(of: "cached")?.message?.contains("cache") == true)
        }
    }
}

import AgoraFuzzTargets
import AgoraRuntime
import Foundation
import Testing

/// Replays every committed fuzz input (seeds, interesting inputs `make fuzz` found, and inputs that once crashed a
/// daemon) through the same decoders `agora-fuzz` drives: each must come back with a value or an error.
@Suite struct CorpusReplayTests {
    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusDecodesWithoutTrapping(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let directory = try #require(Bundle.module.resourceURL).appendingPathComponent("Corpus/\(name)").path
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!files.isEmpty, "no corpus for \(name)")
        for file in files {
            target.run(try Files.read(directory + "/" + file).bytes)
        }
    }
}

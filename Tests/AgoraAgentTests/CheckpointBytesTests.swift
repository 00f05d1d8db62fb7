@testable import AgoraAgent
import Foundation
import Testing

/// Bytes in task checkpoints: written as base64, and read in both that form and the arrays older agents wrote.
@Suite struct CheckpointBytesTests {
    private struct Holder: Codable {
        var value: CheckpointBytes
    }

    @Test func bytesAreWrittenAsBase64AndReadBack() throws {
        let written = try JSONEncoder().encode(Holder(value: CheckpointBytes([0, 1, 2, 250, 255])))
        #expect(String(decoding: written, as: UTF8.self) == #"{"value":"AAEC+v8="}"#)
        #expect(try JSONDecoder().decode(Holder.self, from: written).value.bytes == [0, 1, 2, 250, 255])
    }

    @Test func checkpointsOfOlderAgentsWithArraysOfNumbersAreRead() throws {
        let old = Data(#"{"value":[8,3,255]}"#.utf8)
        #expect(try JSONDecoder().decode(Holder.self, from: old).value.bytes == [8, 3, 255])
    }

    @Test func aStringThatIsNotBase64IsRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Holder.self, from: Data(#"{"value":"not base64!"}"#.utf8))
        }
    }
}

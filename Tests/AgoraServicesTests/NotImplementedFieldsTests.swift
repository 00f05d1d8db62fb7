@testable import AgoraServices
import AgoraWire
import Testing

/// Marathon fields Agora does not implement are refused by name when they ask for anything, never dropped.
@Suite struct NotImplementedFieldsTests {
    private func problems(_ extra: String) -> [String] {
        guard let json = try? JSONValue.parse(Array(#"{"id": "/a", "cmd": "true", \#(extra)}"#.utf8)) else { return ["bad JSON"] }
        do {
            _ = try AppJSON.parse(json)
            return []
        } catch {
            return error.details.map { "\($0.path) \($0.error)" }
        }
    }

    @Test func fieldsThatAskForSomethingAreRefused() {
        #expect(problems(#""container": {"type": "DOCKER", "docker": {"image": "busybox"}}"#) == ["/container is not implemented by Agora yet"])
        #expect(problems(#""fetch": [{"uri": "http://example.com/a.tgz"}]"#) == ["/fetch is not implemented by Agora yet"])
        #expect(problems(#""networks": [{"mode": "container", "name": "dcos"}]"#) == ["/networks is not implemented by Agora yet"])
    }

    @Test func emptyAndDefaultValuesAreFine() {
        #expect(problems(#""container": null, "fetch": [], "uris": [], "networks": [{"mode": "host"}], "executor": "//cmd""#).isEmpty)
    }
}

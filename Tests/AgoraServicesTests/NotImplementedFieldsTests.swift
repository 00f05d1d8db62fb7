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
        #expect(problems(#""fetch": [{"uri": "http://example.com/a.tgz", "cache": true}]"#)
                == ["/fetch(0) URI 'http://example.com/a.tgz': the fetcher cache (cache: true) is not implemented"])
        #expect(problems(#""uris": ["hdfs://namenode/a.tgz"]"#).first?.contains("cannot be fetched") == true)
        #expect(problems(#""networks": [{"mode": "container", "name": "dcos"}]"#) == ["/networks is not implemented by Agora yet"])
    }

    @Test func emptyAndDefaultValuesAreFine() {
        #expect(problems(#""container": null, "fetch": [], "uris": [], "networks": [{"mode": "host"}], "executor": "//cmd""#).isEmpty)
    }
}

/// Marathon's `fetch` (and legacy `uris`) become the task's `CommandInfo.uris`, and are shown back as `fetch`.
@Suite struct AppFetchTests {
    @Test func fetchAndUrisAreParsedAndRendered() throws {
        let fetch = try AppJSON.parse(try JSONValue.parse(Array(#"""
            {"id": "/a", "cmd": "./run", "fetch": [{"uri": "http://h/run", "executable": true, "extract": false},
                                                   {"uri": "https://h/data.tgz", "outputFile": "data.tgz"}]}
            """#.utf8)))
        #expect(fetch.fetch == [.init(value: "http://h/run", executable: true, extract: false, cache: false),
                                .init(value: "https://h/data.tgz", executable: false, extract: true, cache: false, outputFile: "data.tgz")])
        let legacy = try AppJSON.parse(try JSONValue.parse(Array(#"{"id": "/b", "cmd": "x", "uris": ["/opt/tools.tar"]}"#.utf8)))
        #expect(legacy.fetch == [.init(value: "/opt/tools.tar", executable: false, extract: true, cache: false)])
        let shown = AppJSON.render(fetch, status: nil, tasks: nil)
        #expect(shown["fetch"]?.text == #"[{"uri":"http://h/run","executable":true,"extract":false,"cache":false},{"uri":"https://h/data.tgz","executable":false,"extract":true,"cache":false,"outputFile":"data.tgz"}]"#)
        #expect(try AppJSON.parse(shown) == fetch, "what is shown reads back the same")
    }
}

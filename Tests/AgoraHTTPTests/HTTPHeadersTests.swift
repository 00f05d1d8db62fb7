import AgoraHTTP
import Testing

/// Header lookups.
@Suite struct HTTPHeadersTests {
    @Test func headerNamesAreLookedUpWithoutRegardToCase() {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Mesos-Stream-Id": "s1"]
        #expect(headers["content-type"] == "application/json")
        #expect(headers["CONTENT-TYPE"] == "application/json")
        #expect(headers["x-mesos-stream-id"] == "s1")
        #expect(headers["Content-Typ"] == nil)
        #expect(headers["Content_Type"] == nil)
        headers["content-TYPE"] = "application/x-protobuf"
        #expect(headers.fields.count == 2)
        #expect(headers["Content-Type"] == "application/x-protobuf")
    }

    @Test func aMediaTypeIsReadInLowerCaseWithoutParametersOrBlanks() {
        let headers: HTTPHeaders = ["Content-Type": " Application/RecordIO ;charset=UTF-8", "Accept": "application/x-protobuf"]
        #expect(headers.mediaType("content-type") == "application/recordio")
        #expect(headers.mediaType("Accept") == "application/x-protobuf")
        #expect(headers.mediaType("Content-Length") == nil)
        #expect(HTTPHeaders(dictionaryLiteral: ("Content-Type", "")).mediaType("Content-Type") == "")
    }
}

/// How a request target becomes the path it is routed by.
@Suite struct HTTPRequestPathTests {
    @Test(arguments: [
        ("/api/v1/scheduler", "/api/v1/scheduler"),
        ("/v2/apps?embed=apps.tasks&embed=apps.counts", "/v2/apps"),
        ("//v2//apps", "/v2/apps"),
        ("/v2/apps%2Fweb", "/v2/apps/web"),
        ("/a%2F%2Fb/", "/a/b/"),
        ("/caf%C3%A9?x=%2F", "/café"),
        ("", "/"),
        ("?x=1", "/"),
    ])
    func aTargetsPathIsDecodedAndCollapsedWithoutItsQuery(target: String, path: String) {
        #expect(HTTPRequest(method: .get, target: target).path == path)
    }
}

import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Testing

/// One streamed `POST /api/v1/agent` as an agent opens it: its calls are RecordIO records of the request body (JSON
/// here), its events come back on the response.
private final class RawAgentStream {
    var status: HTTPStatus?
    var records: [String] = []
    var answer = ""
    var ended = false
    var writer: HTTPBodyWriter?
    private var connection: HTTPClientConnection?

    init(_ cluster: Cluster, first call: String) throws {
        var connected = false
        HTTPClientConnection.connect(loop: cluster.loop, to: cluster.masterAddress) { [self] result in
            connected = true
            guard case .success(let connection) = result else {
                ended = true
                return
            }
            self.connection = connection
            let headers: HTTPHeaders = ["Content-Type": "application/recordio", "Message-Content-Type": "application/json",
                                        "Accept": "application/json"]
            var decoder = RecordIODecoder()
            writer = connection.openStream(
                HTTPRequest(method: .post, target: "/api/v1/agent", headers: headers, body: RecordIO.encode(Array(call.utf8))),
                onHead: { [self] in status = $0.status },
                onBody: { [self] bytes in
                    guard status == .ok else { return answer += String(decoding: bytes, as: UTF8.self) }
                    for record in (try? decoder.feed(bytes)) ?? [] { records.append(String(decoding: record, as: UTF8.self)) }
                },
                onEnd: { [self] _ in
                    ended = true
                    connection.close()
                })
        }
        try cluster.wait("a connection to the master") { connected }
    }

    func send(_ call: String) { writer?.write(RecordIO.encode(Array(call.utf8))) }

    func close() { connection?.close() }
}

private let subscribe = #"{"type":"SUBSCRIBE","subscribe":{"agent_info":{"hostname":"streamed","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]}}}"#

@Suite(.serialized) struct AgentStreamTests {
    @Test func anAgentStreamStartsWithSubscribeCarriesCallsAndEndsOnARefusedOne() throws {
        try withCluster { cluster in
            // A stream whose first call is not SUBSCRIBE is refused, and its connection closed.
            let refused = try RawAgentStream(cluster, first: #"{"type":"PONG","agent_id":{"value":"x"},"token":"t"}"#)
            try cluster.wait("the refusal") { refused.ended }
            #expect(refused.status == .badRequest)
            #expect(refused.answer.contains("Expecting the first call of an agent's stream to be SUBSCRIBE"))

            // SUBSCRIBE, then calls on the same connection: a PONG with the agent's token is taken.
            let stream = try RawAgentStream(cluster, first: subscribe)
            try cluster.wait("SUBSCRIBED") { stream.records.contains { $0.contains("SUBSCRIBED") } }
            let subscribed = try JSONValue.parse(Array(stream.records[0].utf8))
            let id = try #require(subscribed["subscribed"]?["agent_id"]?["value"]?.string)
            let token = try #require(subscribed["subscribed"]?["token"]?.string)
            stream.send(#"{"type":"PONG","agent_id":{"value":"\#(id)"},"token":"\#(token)"}"#)
            try cluster.wait("the agent to be listed as active") {
                (try? cluster.getJSON(cluster.master, "/state"))?.list("agents").first?["active"] == .bool(true)
            }
            #expect(!stream.ended)

            // A call without the token ends the stream (no answer can follow the events), and the agent is gone.
            stream.send(#"{"type":"PONG","agent_id":{"value":"\#(id)"}}"#)
            try cluster.wait("the master to end the stream") { stream.ended }
            try cluster.wait("the agent to be listed as inactive") {
                (try? cluster.getJSON(cluster.master, "/state"))?.list("agents").first?["active"] == .bool(false)
            }
            #expect(cluster.master.logs.contains("closed the stream of the agent at 127.0.0.1"))
            #expect(cluster.master.logs.contains("Call for agent '\(id)' without its token"))
        }
    }
}

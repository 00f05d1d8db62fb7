import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import Testing

private let loopback = SocketAddress(host: "127.0.0.1", port: 0)

/// A route that answers a streamed request with an event stream echoing each record of its body, and tells how the
/// body ended (nil: the client ended it).
private func echoStreamRouter(ended: @escaping (HTTPError?) -> Void) -> Router {
    let router = Router()
    router.add(.post, "/stream") { (_: HTTPRequest, responder: HTTPResponder) in
        guard let body = responder.requestBody else {
            responder.send(.error(.badRequest, "expected a streamed body"))
            return
        }
        let stream = responder.startStream(headers: ["Content-Type": "application/recordio"])
        var decoder = RecordIODecoder()
        body.onData = { bytes in
            for record in (try? decoder.feed(bytes)) ?? [] { stream.write(RecordIO.encode(record)) }
        }
        body.onEnd = { error in
            ended(error)
            stream.finish()
        }
    }
    router.acceptStreamedBodies(on: "/stream")
    router.add(.post, "/whole") { request in HTTPResponse(status: .ok, contentType: "text/plain", body: request.bodyText) }
    return router
}

private let streamedHeaders: HTTPHeaders = ["Content-Type": "application/recordio", "Message-Content-Type": "text/plain"]

@Suite struct HTTPStreamedRequestTests {
    @Test func recordsSentOnTheRequestArriveWhileTheResponseStreamsBack() throws {
        var server: HTTPServer!
        var echoed: [String] = []
        var serverSaw: String?
        var clientEnded = false
        try withLoop({ loop in
            // Small limits: a streamed body as a whole is not bound by the body limit, only each record by its reader.
            var limits = HTTPServer.Limits()
            limits.maxBodyBytes = 1024
            server = try HTTPServer(loop: loop, address: loopback, limits: limits,
                                    router: echoStreamRouter { serverSaw = $0.map(\.code.rawValue) ?? "the end of the body" })
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                var decoder = RecordIODecoder()
                var writer: HTTPBodyWriter?
                writer = client.openStream(
                    HTTPRequest(method: .post, target: "/stream", headers: streamedHeaders, body: RecordIO.encode(Array("first".utf8))),
                    onHead: { #expect($0.status == .ok) },
                    onBody: { bytes in
                        for record in (try? decoder.feed(bytes)) ?? [] {
                            echoed.append(String(decoding: record, as: UTF8.self))
                            // Each next record goes once the previous one came back: the two directions interleave.
                            if echoed.count < 5 {
                                writer?.write(RecordIO.encode(Array(String(repeating: "\(echoed.count)", count: 400).utf8)))
                            } else {
                                writer?.finish()
                            }
                        }
                    },
                    onEnd: { error in
                        #expect(error == nil)
                        clientEnded = true
                        client.close()
                        server.close()
                    })
            }
        }, until: { clientEnded && server.connectionCount == 0 })
        #expect(echoed == ["first"] + (1...4).map { String(repeating: "\($0)", count: 400) })
        #expect(serverSaw == "the end of the body")
    }

    @Test func aRouteThatDoesNotReadStreamsRefusesOneAndCloses() throws {
        var server: HTTPServer!
        var raw: RawClient!
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, router: echoStreamRouter { _ in })
            let request = "POST /whole HTTP/1.1\r\nHost: x\r\nContent-Type: application/recordio\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n3\nabc\r\n"
            raw = try RawClient(loop: loop, to: server.localAddress, sending: [Array(request.utf8)])
        }, until: {
            if raw.closed { server.close() }
            return raw.closed && server.connectionCount == 0
        })
        #expect(raw.text.hasPrefix("HTTP/1.1 415 "))
        #expect(raw.text.contains("a streamed request body (application/recordio) is not accepted by /whole"))
        #expect(raw.text.contains("Connection: close"))
    }

    @Test func aClientThatLeavesMidBodyEndsTheBodyWithAnErrorAndTheResponseStream() throws {
        var server: HTTPServer!
        var serverSaw: String?
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, router: echoStreamRouter { serverSaw = $0.map(\.code.rawValue) ?? "the end of the body" })
            let request = "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/recordio\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n3\nabc\r\n"
            _ = try RawClient(loop: loop, to: server.localAddress, sending: [Array(request.utf8)], closeAfterSending: true)
        }, until: {
            if serverSaw != nil && server.connectionCount == 0 { server.close() }
            return serverSaw != nil && server.connectionCount == 0
        })
        #expect(serverSaw == "connectionClosed")
    }

    @Test func aMalformedChunkMidStreamClosesTheConnection() throws {
        var server: HTTPServer!
        var raw: RawClient!
        var serverSaw: String?
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, router: echoStreamRouter { serverSaw = $0.map(\.code.rawValue) ?? "the end of the body" })
            let request = "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/recordio\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n3\nabc\r\nzz\r\n"
            raw = try RawClient(loop: loop, to: server.localAddress, sending: [Array(request.utf8)])
        }, until: {
            if raw.closed { server.close() }
            return raw.closed && server.connectionCount == 0
        })
        // The echo of the first record went out before the bad chunk; then the connection closed without an answer.
        #expect(raw.text.hasPrefix("HTTP/1.1 200 "))
        #expect(raw.text.contains("3\nabc"))
        #expect(serverSaw == "malformed")
    }
}

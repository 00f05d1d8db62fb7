import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import Testing

private let loopback = SocketAddress(host: "127.0.0.1", port: 0)

private func echoRouter() -> Router {
    let router = Router()
    router.add(.get, "/hello") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "hello") }
    router.add(.post, "/echo") { request in
        HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body)
    }
    router.add(.get, "/apps/*") { request in HTTPResponse(status: .ok, contentType: "text/plain", body: request.path) }
    return router
}

@Suite struct HTTPServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        var server: HTTPServer!
        var bodies: [String] = []
        var connectionsSeen = 0
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, router: echoRouter())
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                for index in 0..<5 {
                    client.send(HTTPRequest(method: .post, target: "/echo", body: Array("request \(index)".utf8))) {
                        response in
                        guard case .success(let response) = response else {
                            Issue.record("request failed: \(response)")
                            return
                        }
                        bodies.append(response.bodyText)
                        connectionsSeen = max(connectionsSeen, server.connectionCount)
                        if bodies.count == 5 {
                            client.close()
                            server.close()
                        }
                    }
                }
            }
        }, until: { bodies.count == 5 && server.connectionCount == 0 })
        #expect(bodies == (0..<5).map { "request \($0)" })
        #expect(connectionsSeen == 1)
    }

    @Test func pipelinedResponsesKeepRequestOrderEvenWhenAnsweredOutOfOrder() throws {
        var server: HTTPServer!
        var raw: RawClient!
        try withLoop({ loop in
            let router = Router()
            // The first request is answered late; the second at once. The wire must still be in order.
            router.add(.get, "/slow") { (_: HTTPRequest, responder: HTTPResponder) in
                _ = try? loop.schedule(after: .milliseconds(50)) {
                    responder.send(HTTPResponse(status: .ok, contentType: "text/plain", body: "slow"))
                }
            }
            router.add(.get, "/fast") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "fast") }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            let requests = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            raw = try RawClient(loop: loop, to: server.localAddress, sending: [Array(requests.utf8)])
        }, until: {
            if raw.closed { server.close() }
            return raw.closed && server.connectionCount == 0
        })
        let slow = raw.text.range(of: "slow")
        let fast = raw.text.range(of: "fast")
        #expect(slow != nil && fast != nil)
        if let slow, let fast { #expect(slow.lowerBound < fast.lowerBound) }
    }

    @Test func chunkedRequestAndChunkedResponse() throws {
        var server: HTTPServer!
        var echoed: [UInt8] = []
        var streamedHeaders: HTTPHeaders = [:]
        var streamedBody = ""
        var done = 0
        let payload = (0..<20_000).map { UInt8(truncatingIfNeeded: $0) }
        try withLoop({ loop in
            let router = echoRouter()
            router.add(.get, "/stream") { (_: HTTPRequest, responder: HTTPResponder) in
                let stream = responder.startStream(headers: ["Content-Type": "text/plain"])
                for word in ["one ", "two ", "three"] { stream.write(Array(word.utf8)) }
                stream.finish()
            }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                client.send(HTTPRequest(method: .post, target: "/echo", body: payload), chunked: true) { result in
                    if case .success(let response) = result { echoed = response.body }
                    done += 1
                }
                client.send(HTTPRequest(method: .get, target: "/stream")) { result in
                    if case .success(let response) = result {
                        streamedHeaders = response.headers
                        streamedBody = response.bodyText
                    }
                    done += 1
                    client.close()
                    server.close()
                }
            }
        }, until: { done == 2 && server.connectionCount == 0 })
        #expect(echoed == payload)
        #expect(streamedHeaders["transfer-encoding"] == "chunked")
        #expect(streamedBody == "one two three")
    }

    /// A stream written far past what the kernel holds for a client that has not read yet: its position is not sent
    /// yet; once the client has read everything, it is.
    @Test func aStreamTellsWhetherWhatItWroteHasLeftTheProcess() throws {
        var server: HTTPServer!
        let piece = [UInt8](repeating: 0x61, count: 1 << 20)
        let pieces = 32
        var stream: HTTPResponseStream?
        var position: Int?
        var sentRightAway: Bool?
        var received = 0
        var sentOnceRead: Bool?
        try withLoop({ loop in
            let router = Router()
            router.add(.post, "/events") { (_: HTTPRequest, responder: HTTPResponder) in
                let opened = responder.startStream(headers: ["Content-Type": "text/plain"])
                for _ in 0..<pieces { opened.write(piece) }
                position = opened.position
                sentRightAway = position.map(opened.hasSent(upTo:))
                stream = opened
            }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                client.stream(HTTPRequest(method: .post, target: "/events"), onHead: { _ in }, onBody: { bytes in
                    received += bytes.count
                    guard received == pieces * piece.count, let position else { return }
                    sentOnceRead = stream?.hasSent(upTo: position)
                    stream?.finish()
                    client.close()
                    server.close()
                }, onEnd: { _ in })
            }
        }, until: { sentOnceRead != nil && server.connectionCount == 0 })
        #expect(position != nil && position! > pieces * piece.count)
        #expect(sentRightAway == false)
        #expect(sentOnceRead == true)
    }

    @Test func streamedRecordIOResponseIsReadIncrementally() throws {
        var server: HTTPServer!
        var records: [String] = []
        var headSeen = false
        var ended = false
        let total = 50
        try withLoop({ loop in
            let router = Router()
            router.add(.post, "/events") { (_: HTTPRequest, responder: HTTPResponder) in
                let stream = responder.startStream(headers: ["Content-Type": "application/json"])
                var sent = 0
                let timer = try! LoopTimer(loop: loop)
                timer.start(after: .milliseconds(1), repeating: .milliseconds(1)) {
                    // Frame a record and split it across two chunks to exercise reassembly.
                    let framed = RecordIO.encode(Array("{\"event\":\(sent)}".utf8))
                    stream.write(Array(framed.prefix(3)))
                    stream.write(Array(framed.dropFirst(3)))
                    sent += 1
                    if sent == total {
                        timer.close()
                        stream.finish()
                    }
                }
                stream.onClose = { timer.close() }
            }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                var decoder = RecordIODecoder()
                client.stream(HTTPRequest(method: .post, target: "/events"), onHead: { head in
                    headSeen = head.status == .ok
                }, onBody: { bytes in
                    // Records arrive while the response is still open.
                    for record in (try? decoder.feed(bytes)) ?? [] { records.append(String(decoding: record, as: UTF8.self)) }
                }, onEnd: { error in
                    #expect(error == nil)
                    ended = true
                    client.close()
                    server.close()
                })
            }
        }, until: { ended && server.connectionCount == 0 })
        #expect(headSeen)
        #expect(records == (0..<total).map { "{\"event\":\($0)}" })
    }

    @Test func routerAnswersNotFoundMethodNotAllowedAndPrefixRoutes() throws {
        var server: HTTPServer!
        var results: [String: (Int, String)] = [:]
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, router: echoRouter())
            for (method, target) in [(HTTPMethod.get, "/nope"), (.delete, "/hello"), (.get, "//apps//x/y"), (.head, "/hello")] {
                HTTPClient.send(loop: loop, to: server.localAddress, HTTPRequest(method: method, target: target)) {
                    if case .success(let response) = $0 {
                        results["\(method) \(target)"] = (response.status.rawValue, response.bodyText)
                    }
                }
            }
        }, until: {
            if results.count == 4 { server.close() }
            return results.count == 4 && server.connectionCount == 0
        })
        #expect(results["GET /nope"]?.0 == 404)
        #expect(results["GET /nope"]?.1.contains("\"message\"") == true)
        #expect(results["DELETE /hello"]?.0 == 405)
        #expect(results["GET //apps//x/y"]?.0 == 200)
        #expect(results["GET //apps//x/y"]?.1 == "/apps/x/y")
        #expect(results["HEAD /hello"]?.0 == 200)
        #expect(results["HEAD /hello"]?.1 == "")
    }

    @Test(arguments: [
        ("garbage", "\u{1}\u{2}GARBAGE garbage\r\n\r\n", 400),
        ("bad version", "GET / HTTP/9.Z\r\n\r\n", 400),
        ("oversized headers", "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 4096) + "\r\n\r\n", 431),
        ("oversized body", "POST /echo HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", 413),
        ("oversized chunked body", "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n"
            + String(repeating: "b", count: 8192) + "\r\n0\r\n\r\n", 413),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("truncated body", "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly this", 408),
        ("truncated headers", "GET /hello HTTP/1.1\r\nHost: x", 408),
    ])
    func badRequestIsRejectedWhileAGoodClientIsServed(name: String, request: String, status: Int) throws {
        var server: HTTPServer!
        var bad: RawClient!
        var goodAnswers = 0
        var limits = HTTPServer.Limits()
        limits.maxHeaderBytes = 1024
        limits.maxBodyBytes = 4096
        limits.idleTimeout = .milliseconds(300)
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, limits: limits, router: echoRouter())
            bad = try RawClient(loop: loop, to: server.localAddress, sending: [Array(request.utf8)])
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let good) = result else { return }
                func ask(_ remaining: Int) {
                    good.send(HTTPRequest(method: .get, target: "/hello")) { response in
                        if case .success(let response) = response, response.bodyText == "hello" { goodAnswers += 1 }
                        if remaining > 1 {
                            _ = try? loop.schedule(after: .milliseconds(20)) { ask(remaining - 1) }
                        } else {
                            good.close()
                        }
                    }
                }
                ask(10)
            }
        }, until: {
            if bad.closed && goodAnswers == 10 { server.close() }
            return bad.closed && goodAnswers == 10 && server.connectionCount == 0
        })
        #expect(bad.text.hasPrefix("HTTP/1.1 \(status) "), "\(name): got \(bad.text.prefix(60))")
        #expect(bad.text.contains("Connection: close"))
        #expect(bad.text.contains("{\"message\":"))
        #expect(goodAnswers == 10)
    }

    @Test func headersSurviveEmptyValuesRepeatsAndByteByByteDelivery() throws {
        var server: HTTPServer!
        var raw: RawClient!
        var seen: HTTPHeaders = [:]
        var seenBody = ""
        try withLoop({ loop in
            let router = Router()
            router.add(.post, "/headers") { request in
                seen = request.headers
                seenBody = request.bodyText
                return HTTPResponse(status: .noContent)
            }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            let request = "POST /headers HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Next: 1\r\nAccept: a\r\n"
                + "Accept: b\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody"
            raw = try RawClient(loop: loop, to: server.localAddress, sending: Array(request.utf8).map { [$0] })
        }, until: {
            if raw.closed { server.close() }
            return raw.closed && server.connectionCount == 0
        })
        #expect(raw.text.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!raw.text.contains("Content-Length"))
        #expect(seen["x-empty"] == "")
        #expect(seen["X-Next"] == "1")
        #expect(seen.fields.filter { $0.name == "Accept" }.map(\.value) == ["a", "b"])
        #expect(seenBody == "body")
    }

    @Test func idleConnectionIsClosed() throws {
        var server: HTTPServer!
        var raw: RawClient!
        var limits = HTTPServer.Limits()
        limits.idleTimeout = .milliseconds(100)
        try withLoop({ loop in
            server = try HTTPServer(loop: loop, address: loopback, limits: limits, router: echoRouter())
            raw = try RawClient(loop: loop, to: server.localAddress, sending: [])
        }, until: {
            if raw.closed { server.close() }
            return raw.closed && server.connectionCount == 0
        })
        #expect(raw.received.isEmpty)
    }

    @Test func aStreamOutlivesTheIdleTimeout() throws {
        var server: HTTPServer!
        var limits = HTTPServer.Limits()
        limits.idleTimeout = .milliseconds(50)
        var received: [UInt8] = []
        var ended = false
        var endedBeforeClose = true
        var waited = false
        try withLoop({ loop in
            let router = Router()
            router.add(.get, "/forever") { (_: HTTPRequest, responder: HTTPResponder) in
                responder.startStream().write(Array("first".utf8))
            }
            server = try HTTPServer(loop: loop, address: loopback, limits: limits, router: router)
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                client.stream(HTTPRequest(method: .get, target: "/forever"), onHead: { _ in }, onBody: { received += $0 },
                              onEnd: { _ in ended = true })
            }
            // Eight idle timeouts without input from the client.
            _ = try loop.schedule(after: .milliseconds(400)) { waited = true }
        }, until: {
            guard waited else { return false }
            endedBeforeClose = ended
            server.close()
            return true
        })
        #expect(String(decoding: received, as: UTF8.self).hasSuffix("first"))
        #expect(!endedBeforeClose)
    }

    @Test func serverCloseEndsOpenStreams() throws {
        var server: HTTPServer!
        // The route below must not own the server that owns the route.
        weak var weakServer: HTTPServer?
        var streamClosed = false
        var clientEnded = false
        try withLoop({ loop in
            let router = Router()
            router.add(.get, "/forever") { (_: HTTPRequest, responder: HTTPResponder) in
                let stream = responder.startStream()
                stream.write(Array("first".utf8))
                stream.onClose = { streamClosed = true }
                _ = try? loop.schedule(after: .milliseconds(30)) { weakServer?.close() }
            }
            server = try HTTPServer(loop: loop, address: loopback, router: router)
            weakServer = server
            HTTPClientConnection.connect(loop: loop, to: server.localAddress) { result in
                guard case .success(let client) = result else { return }
                client.stream(HTTPRequest(method: .get, target: "/forever"), onHead: { _ in }, onBody: { _ in },
                              onEnd: { error in
                                  #expect(error?.code == .connectionClosed)
                                  clientEnded = true
                              })
            }
        }, until: { streamClosed && clientEnded && server.connectionCount == 0 })
    }
}

@Suite struct RecordIOTests {
    @Test func framesAndSplitsAcrossArbitraryBoundaries() throws {
        let records = ["", "a", "{\"type\":\"HEARTBEAT\"}", String(repeating: "x", count: 1000)].map { Array($0.utf8) }
        let stream = records.flatMap(RecordIO.encode)
        #expect(Array(RecordIO.encode(Array("abc".utf8))) == Array("3\nabc".utf8))
        for step in [1, 2, 3, 7, 64, stream.count] {
            var decoder = RecordIODecoder()
            var decoded: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                decoded += try decoder.feed(Array(stream[offset..<min(offset + step, stream.count)]))
                offset += step
            }
            #expect(decoded == records, "split every \(step) bytes")
            #expect(decoder.bufferedBytes == 0)
        }
    }

    @Test(arguments: ["x\n", "-1\n", "12a\n", "\n", "\r\n3\nabc", "123456789012345678901\n", "99999999999\nabc"])
    func rejectsMalformedPrefixes(_ input: String) {
        var decoder = RecordIODecoder(maxRecordBytes: 1 << 20)
        #expect(throws: RecordIOError.self) { _ = try decoder.feed(Array(input.utf8)) }
    }

    @Test func rejectsAnEndlessPrefix() {
        var decoder = RecordIODecoder()
        #expect(throws: RecordIOError.self) { _ = try decoder.feed(Array(repeating: UInt8(ascii: "1"), count: 30)) }
    }
}

@Suite struct PrometheusTextTests {
    @Test func writesHeadersAndSamples() {
        var text = PrometheusText()
        text.add("agora_tasks", .gauge, "Tasks by state.", [("state=\"running\"", 3), ("state=\"failed\"", 0.5)])
        text.add("agora_runs_total", .counter, "Runs.", 7)
        #expect(text.text == """
            # HELP agora_tasks Tasks by state.
            # TYPE agora_tasks gauge
            agora_tasks{state="running"} 3
            agora_tasks{state="failed"} 0.5
            # HELP agora_runs_total Runs.
            # TYPE agora_runs_total counter
            agora_runs_total 7

            """)
        #expect(text.response.headers["Content-Type"] == "text/plain; version=0.0.4")
    }
}

import AgoraHTTP
import AgoraRuntime
import Foundation

/// Request/response throughput over keep-alive connections, client and server on separate threads.
enum HTTPBench {
    static func requests(connections: Int, duration: Duration) throws {
        let server = BenchServer { router, _ in
            router.add(.get, "/ping") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "pong") }
        }
        defer { server.stop() }
        let loop = try Loop()
        var measurement = Measurement()
        var completed = 0
        var failures = 0
        var active = connections
        let start = ContinuousClock.now
        let deadline = start + duration
        for _ in 0..<connections {
            HTTPClientConnection.connect(loop: loop, to: server.address) { result in
                guard case .success(let client) = result else {
                    failures += 1
                    active -= 1
                    return
                }
                func next() {
                    guard ContinuousClock.now < deadline else {
                        client.close()
                        active -= 1
                        return
                    }
                    let sent = ContinuousClock.now
                    client.send(HTTPRequest(method: .get, target: "/ping")) { response in
                        if case .success(let response) = response, response.status == .ok {
                            completed += 1
                            measurement.record(seconds(since: sent))
                        } else {
                            failures += 1
                        }
                        next()
                    }
                }
                next()
            }
        }
        loop.run(until: { active == 0 }, timeout: duration + .seconds(30))
        let elapsed = seconds(since: start)
        try? loop.close()
        report("http requests, \(connections) keep-alive conn\(connections == 1 ? "" : "s")", [
            ("req/s", format(Double(completed) / elapsed)),
            ("p50_us", format(measurement.percentile(0.5) * 1e6)),
            ("p99_us", format(measurement.percentile(0.99) * 1e6)),
            ("requests", "\(completed)"),
            ("errors", "\(failures)"),
        ])
    }

    /// One streamed response of RecordIO-framed JSON events, decoded as they arrive.
    static func recordIOStream(events: Int) throws {
        let record = Array(#"{"type":"UPDATE","update":{"status":{"task_id":{"value":"task-0001"},"state":"TASK_RUNNING"}}}"#.utf8)
        let server = BenchServer { router, _ in
            router.add(.post, "/events") { (_: HTTPRequest, responder: HTTPResponder) in
                let stream = responder.startStream(headers: ["Content-Type": "application/json"])
                var sent = 0
                func pump() {
                    while sent < events && stream.isWritable {
                        var batch: [UInt8] = []
                        for _ in 0..<min(64, events - sent) {
                            batch += RecordIO.encode(record)
                            sent += 1
                        }
                        stream.write(batch)
                    }
                    if sent == events { stream.finish() }
                }
                stream.onWritable = pump
                pump()
            }
        }
        defer { server.stop() }
        let loop = try Loop()
        var received = 0
        var done = false
        let start = ContinuousClock.now
        HTTPClientConnection.connect(loop: loop, to: server.address) { result in
            guard case .success(let client) = result else {
                done = true
                return
            }
            var decoder = RecordIODecoder()
            client.stream(HTTPRequest(method: .post, target: "/events"), onHead: { _ in }, onBody: { bytes in
                received += (try? decoder.feed(bytes).count) ?? 0
            }, onEnd: { _ in
                client.close()
                done = true
            })
        }
        loop.run(until: { done }, timeout: .seconds(120))
        let elapsed = seconds(since: start)
        try? loop.close()
        report("recordio events streamed (\(record.count + 3) B each)", [
            ("events/s", format(Double(received) / elapsed)),
            ("MiB/s", format(Double(received * (record.count + 3)) / elapsed / 1_048_576, 1)),
            ("events", "\(received)"),
        ])
    }
}

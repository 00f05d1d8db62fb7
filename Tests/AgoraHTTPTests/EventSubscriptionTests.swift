import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import Glibc
import Testing

/// A stream server speaking just enough of the Mesos shape: `POST /events` with the body "subscribe" answers with a
/// stream carrying a `Mesos-Stream-Id` and a first record "subscribed"; any other body is a call, whose stream id is
/// recorded.
private final class FakeStreamServer {
    private var server: HTTPServer?
    private var stream: HTTPResponseStream?
    private(set) var subscriptions = 0
    private(set) var callStreamIDs: [String] = []
    /// When set, a subscription is answered `307` to this server.
    var redirect: SocketAddress?
    /// When set, a subscription is answered with this status.
    var refuseWith: HTTPStatus?

    init(loop: Loop) throws {
        let router = Router()
        router.add(.post, "/events") { [unowned self] request, responder in
            guard request.body == Array("subscribe".utf8) else {
                self.callStreamIDs.append(request.headers["Mesos-Stream-Id"] ?? "")
                responder.send(HTTPResponse(status: .accepted))
                return
            }
            self.subscriptions += 1
            if let redirect = self.redirect {
                responder.send(HTTPResponse(status: .temporaryRedirect, headers: ["Location": "//\(redirect)/events"]))
                return
            }
            if let status = self.refuseWith {
                responder.send(HTTPResponse(status: status, contentType: "text/plain", body: "go away"))
                return
            }
            self.stream?.finish()
            let stream = responder.startStream(headers: ["Mesos-Stream-Id": "stream-\(self.subscriptions)"])
            stream.write(RecordIO.encode(Array("subscribed".utf8)))
            self.stream = stream
        }
        let server = try HTTPServer(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        address = server.localAddress
        self.server = server
    }

    private(set) var address = SocketAddress(host: "127.0.0.1", port: 0)

    func send(_ record: String) { stream?.write(RecordIO.encode(Array(record.utf8))) }

    func dropStream() {
        stream?.finish()
        stream = nil
    }

    func close() {
        dropStream()
        server?.close()
        server = nil
    }
}

/// Collects what a subscription reports; "subscribed" records establish it with `heartbeat`.
private final class Watcher {
    var records: [String] = []
    var lost: [String] = []
    var retries: [Duration?] = []
    var refusals: [HTTPStatus] = []

    func attach(_ subscription: EventSubscription, heartbeat: Duration? = nil) {
        subscription.subscribeBody = { Array("subscribe".utf8) }
        subscription.onRecord = { [unowned self, unowned subscription] record in
            let text = String(decoding: record, as: UTF8.self)
            records.append(text)
            if text == "subscribed" { subscription.established(heartbeatInterval: heartbeat) }
            // A record that keeps the subscriber busy, as a large batch of offers does.
            if text == "busy" { usleep(300_000) }
        }
        subscription.onLost = { [unowned self] in lost.append($0) }
        subscription.onRetry = { [unowned self] _, delay in retries.append(delay) }
        subscription.onRefused = { [unowned self] status, _ in refusals.append(status) }
    }
}

private func options(_ servers: [SocketAddress]) -> EventSubscription.Options {
    var options = EventSubscription.Options(servers: servers, path: "/events", contentType: "application/x-test",
                                            backoff: Backoff(minimum: .milliseconds(10), maximum: .milliseconds(40)))
    options.heartbeatTolerance = 3
    return options
}

@Suite struct EventSubscriptionTests {
    @Test func backoffDoublesWithJitterUpToItsCeilingAndStartsOver() {
        var backoff = Backoff(minimum: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.next(jitter: 1) == .milliseconds(100))
        #expect(backoff.next(jitter: 1) == .milliseconds(200))
        #expect(backoff.next(jitter: 0.5) == .milliseconds(200))
        #expect(backoff.next(jitter: 1) == .milliseconds(800))
        #expect(backoff.next(jitter: 1) == .seconds(1))
        for _ in 0..<100 { _ = backoff.next(jitter: 1) }
        #expect(backoff.next(jitter: 1) == .seconds(1))
        backoff.reset()
        let first = backoff.next()
        #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
    }

    @Test func reconnectsAfterTheStreamDropsAndCallsCarryTheNewStreamID() throws {
        var server: FakeStreamServer!
        var subscription: EventSubscription!
        let watcher = Watcher()
        var dropped = false
        var called = false
        try withLoop({ loop in
            server = try FakeStreamServer(loop: loop)
            subscription = EventSubscription(loop: loop, options: options([server.address]))
            watcher.attach(subscription)
            subscription.start()
        }, until: {
            if server.subscriptions == 1 && subscription.isEstablished && !dropped {
                dropped = true
                server.dropStream()
            }
            if server.subscriptions == 2 && subscription.isEstablished && !called {
                called = true
                subscription.send(Array("call".utf8)) { _ in }
            }
            if !server.callStreamIDs.isEmpty {
                subscription.stop()
                server.close()
                return true
            }
            return false
        })
        #expect(watcher.lost.count == 1)
        #expect(watcher.records == ["subscribed", "subscribed"])
        #expect(server.callStreamIDs == ["stream-2"])
    }

    @Test func followsARedirectAtOnce() throws {
        var leader: FakeStreamServer!
        var follower: FakeStreamServer!
        var subscription: EventSubscription!
        let watcher = Watcher()
        try withLoop({ loop in
            leader = try FakeStreamServer(loop: loop)
            follower = try FakeStreamServer(loop: loop)
            follower.redirect = leader.address
            subscription = EventSubscription(loop: loop, options: options([follower.address]))
            watcher.attach(subscription)
            subscription.start()
        }, until: {
            guard subscription.isEstablished else { return false }
            subscription.stop()
            leader.close()
            follower.close()
            return true
        })
        #expect(subscription.server == leader.address)
        #expect(follower.subscriptions == 1 && leader.subscriptions == 1)
        #expect(watcher.retries.isEmpty)
    }

    @Test func aSilentStreamIsDroppedAfterTheToleratedHeartbeatsAndRenewed() throws {
        var server: FakeStreamServer!
        var subscription: EventSubscription!
        let watcher = Watcher()
        var started = 0.0
        var renewedAfter = 0.0
        try withLoop({ loop in
            server = try FakeStreamServer(loop: loop)
            subscription = EventSubscription(loop: loop, options: options([server.address]))
            watcher.attach(subscription, heartbeat: .milliseconds(50))
            started = loop.now
            subscription.start()
        }, until: {
            guard server.subscriptions == 2 && subscription.isEstablished else { return false }
            renewedAfter = subscription.loop.now - started
            subscription.stop()
            server.close()
            return true
        })
        #expect(watcher.lost.count == 1)
        #expect(watcher.lost.first?.contains("no event from \(server.address) for 0.15") == true)
        // Three missed 50 ms heartbeats: renewed after about 150 ms, not before.
        #expect(renewedAfter >= 0.15)
    }

    /// Heartbeats every 40 ms on a stream with a 150 ms window; `stall` runs once when the stream is established.
    private func heartbeatsAround(_ stall: @escaping (FakeStreamServer) -> Void) throws -> (subscriptions: Int, lost: [String]) {
        var server: FakeStreamServer!
        var subscription: EventSubscription!
        let watcher = Watcher()
        var beats = 0
        var stalled = false
        var timer: LoopTimer?
        try withLoop({ loop in
            server = try FakeStreamServer(loop: loop)
            subscription = EventSubscription(loop: loop, options: options([server.address]))
            watcher.attach(subscription, heartbeat: .milliseconds(50))
            subscription.start()
            let beat = try LoopTimer(loop: loop)
            beat.start(after: .milliseconds(40), repeating: .milliseconds(40)) {
                beats += 1
                server.send("heartbeat")
                if subscription.isEstablished && !stalled {
                    stalled = true
                    stall(server)
                }
            }
            timer = beat
        }, until: {
            guard beats >= 12 else { return false }
            timer?.close()
            subscription.stop()
            server.close()
            return true
        })
        return (server.subscriptions, watcher.lost)
    }

    @Test func heartbeatsKeepAStreamAlive() throws {
        let (subscriptions, lost) = try heartbeatsAround { _ in }
        #expect(subscriptions == 1)
        #expect(lost.isEmpty)
    }

    @Test func aRecordThatKeepsTheSubscriberBusyIsNotTheServersSilence() throws {
        let (subscriptions, lost) = try heartbeatsAround { server in server.send("busy") }
        #expect(subscriptions == 1)
        #expect(lost.isEmpty)
    }

    @Test func recordsWaitingWhileTheLoopWasBusyAreReadBeforeTheStreamIsCalledSilent() throws {
        // The heartbeat just sent waits in the socket while this loop sleeps past the window.
        let (subscriptions, lost) = try heartbeatsAround { _ in usleep(300_000) }
        #expect(subscriptions == 1)
        #expect(lost.isEmpty)
    }

    @Test func aRefusalIsReportedAndRetriedWithBackoff() throws {
        var server: FakeStreamServer!
        var subscription: EventSubscription!
        let watcher = Watcher()
        try withLoop({ loop in
            server = try FakeStreamServer(loop: loop)
            server.refuseWith = .unauthorized
            subscription = EventSubscription(loop: loop, options: options([server.address]))
            watcher.attach(subscription)
            subscription.start()
        }, until: {
            guard server.subscriptions >= 4 else { return false }
            subscription.stop()
            server.close()
            return true
        })
        #expect(watcher.refusals.allSatisfy { $0 == .unauthorized } && watcher.refusals.count >= 3)
        #expect(watcher.lost.isEmpty)
        let delays = watcher.retries.prefix(3).compactMap { $0 }
        #expect(delays.count == 3 && delays[0] <= .milliseconds(10) && delays[2] <= .milliseconds(40))
        #expect(delays[2] >= .milliseconds(20))
    }
}

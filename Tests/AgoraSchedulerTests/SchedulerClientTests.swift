import AgoraResources
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraScheduler
import AgoraSchedulerTesting
import AgoraWire
import Testing

/// Records what the client delivers.
final class RecordingDelegate: SchedulerDelegate {
    var subscribed: [FrameworkID] = []
    var offers: [Offer] = []
    var updates: [TaskStatus] = []
    var disconnects: [String] = []
    var errors: [String] = []
    var onOffers: ((SchedulerClient, [Offer]) -> Void)?

    func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?) {
        subscribed.append(frameworkID)
    }
    func offers(_ client: SchedulerClient, _ offers: [Offer]) {
        self.offers += offers
        onOffers?(client, offers)
    }
    func update(_ client: SchedulerClient, _ status: TaskStatus) { updates.append(status) }
    func disconnected(_ client: SchedulerClient, reason: String) { disconnects.append(reason) }
    func error(_ client: SchedulerClient, message: String) { errors.append(message) }
}

private func configuration(_ master: FakeMaster, format: WireFormat = .protobuf) -> SchedulerConfiguration {
    var configuration = SchedulerConfiguration(masters: [master.address], framework: FrameworkInfo(user: "me", name: "t"))
    configuration.format = format
    configuration.minimumBackoff = .milliseconds(20)
    configuration.maximumBackoff = .milliseconds(100)
    return configuration
}

@Suite struct SchedulerClientTests {
    @Test(arguments: [WireFormat.protobuf, .json])
    func subscribesTakesOffersAndLaunches(format: WireFormat) throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            delegate.onOffers = { client, offers in
                for offer in offers {
                    guard let room = Resources(offer.resources).fit(ResourceDemand(cpus: 1, mem: 128, ports: 1)) else {
                        continue
                    }
                    let task = TaskInfo(name: "web", taskID: .unique(prefix: "web"), agentID: offer.agentID,
                                        resources: room.wire(allocationRole: "*"), command: .shell("serve"))
                    client.launch([task], on: [offer.id])
                }
            }
            client = SchedulerClient(loop: loop, configuration: configuration(master, format: format), delegate: delegate)
            client.start()
        }, until: {
            if client.isSubscribed && master.framework != nil && delegate.offers.isEmpty {
                _ = try? master.offer("cpus:2;mem:512;ports:[31000-31010]")
            }
            if master.launchedTasks.count == 1 {
                client.stop()
                master.close()
                return true
            }
            return false
        })
        #expect(delegate.subscribed == ["fake-framework"])
        let task = try #require(master.launchedTasks.first)
        #expect(task.taskID.value.hasPrefix("web."))
        #expect(Resources(task.resources) == (try Resources(parsing: "cpus:1;mem:128;ports:[31000-31000]")))
        #expect(master.calls(of: .accept).first?.frameworkID == "fake-framework")
    }

    @Test func offersAreSuppressedAndRevivedOnlyWhenThatChangesWhatTheMasterWasTold() throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        var step = 0
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            client = SchedulerClient(loop: loop, configuration: configuration(master), delegate: delegate)
            client.start()
        }, until: {
            let sent = master.calls(of: .suppress).count + master.calls(of: .revive).count
            switch step {
            case 0 where client.isSubscribed && master.framework != nil:
                // Unknown after subscribing: the first wish is sent, repeating it is not.
                #expect(client.offersWanted == nil)
                client.wantOffers(false)
                client.wantOffers(false)
                client.wantOffers(true)
                client.wantOffers(true)
                client.revive(roles: ["web"])
                client.wantOffers(true)
                step = 1
            case 1 where sent == 4:
                #expect(master.calls(of: .suppress).count == 1 && master.calls(of: .revive).count == 3)
                // A new subscription makes the master's view unknown again.
                client.wantOffers(false)
                master.dropSubscription()
                step = 2
            case 2 where sent == 5 && delegate.subscribed.count == 2:
                #expect(client.offersWanted == nil)
                client.wantOffers(false)
                step = 3
            case 3 where sent == 6:
                #expect(client.offersWanted == false)
                client.stop()
                master.close()
                return true
            default: break
            }
            return false
        })
        #expect(master.calls(of: .suppress).count == 3)
        #expect(master.calls(of: .revive).map { $0.revive?.roles ?? [] } == [[], ["web"], []])
    }

    @Test func acknowledgesReliableUpdatesAutomatically() throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        var sent = false
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            client = SchedulerClient(loop: loop, configuration: configuration(master), delegate: delegate)
            client.start()
        }, until: {
            if client.isSubscribed && !sent {
                sent = true
                master.update("t1", .running)
                master.update("t1", .lost, reliable: false)
            }
            if master.calls(of: .acknowledge).count == 1 && delegate.updates.count == 2 {
                client.stop()
                master.close()
                return true
            }
            return false
        })
        #expect(master.calls(of: .acknowledge).first?.acknowledge?.taskID == "t1")
        #expect(delegate.updates.map(\.state) == [.running, .lost])
    }

    @Test func resubscribesWithItsFrameworkIDAfterTheStreamDrops() throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        var dropped = false
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            master.assignedFrameworkID = "fw-42"
            client = SchedulerClient(loop: loop, configuration: configuration(master), delegate: delegate)
            client.start()
        }, until: {
            if delegate.subscribed.count == 1 && !dropped {
                dropped = true
                master.dropSubscription()
            }
            if delegate.subscribed.count == 2 {
                client.stop()
                master.close()
                return true
            }
            return false
        })
        #expect(delegate.disconnects.count == 1)
        #expect(master.subscriptions == 2)
        #expect(master.framework?.id == "fw-42")
    }

    @Test func silentSubscriptionIsRenewedAfterMissedHeartbeats() throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        try withLoop(timeout: .seconds(15), { loop in
            master = try FakeMaster(loop: loop)
            master.heartbeatIntervalSeconds = 0.1
            var config = configuration(master)
            config.heartbeatTolerance = 3
            client = SchedulerClient(loop: loop, configuration: config, delegate: delegate)
            client.start()
        }, until: {
            if master.subscriptions >= 2 {
                client.stop()
                master.close()
                return true
            }
            return false
        })
        #expect(delegate.disconnects.count == 1)
    }

    @Test func followsARedirectToTheLeadingMaster() throws {
        var leader: FakeMaster!
        var follower: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        try withLoop({ loop in
            leader = try FakeMaster(loop: loop)
            follower = try FakeMaster(loop: loop)
            follower.redirect = leader.address
            client = SchedulerClient(loop: loop, configuration: configuration(follower), delegate: delegate)
            client.start()
        }, until: {
            if client.isSubscribed {
                client.stop()
                leader.close()
                follower.close()
                return true
            }
            return false
        })
        #expect(follower.subscriptions == 1)
        #expect(leader.subscriptions == 1)
    }

    @Test func reconcilesUntilEveryTaskHasAnswered() throws {
        var master: FakeMaster!
        var client: SchedulerClient!
        let delegate = RecordingDelegate()
        var answers: [TaskStatus]?
        var started = false
        try withLoop({ loop in
            master = try FakeMaster(loop: loop)
            client = SchedulerClient(loop: loop, configuration: configuration(master), delegate: delegate)
            client.start()
        }, until: {
            if client.isSubscribed && !started {
                started = true
                client.reconcileUntilKnown([("a", "agent-1"), ("b", nil)]) { answers = $0 }
            }
            // The fake answers one task per RECONCILE; the tracker must ask again for the other.
            let asked = master.calls(of: .reconcile).count
            if asked == 1 && delegate.updates.isEmpty { master.update("a", .running, reliable: false) }
            if asked == 2 && delegate.updates.count == 1 { master.update("b", .lost, reliable: false) }
            if answers != nil {
                client.stop()
                master.close()
                return true
            }
            return false
        })
        #expect(answers?.map(\.taskID).sorted() == ["a", "b"])
        let second = master.calls(of: .reconcile)[1].reconcile?.tasks.map(\.taskID)
        #expect(second == ["b"])
    }

    @Test func callsBeforeSubscribingFailClearly() throws {
        let loop = try Loop()
        let client = SchedulerClient(
            loop: loop, configuration: SchedulerConfiguration(masters: [SocketAddress(host: "127.0.0.1", port: 1)],
                                                              framework: FrameworkInfo(user: "u", name: "n")),
            delegate: nil)
        var outcome: Result<Void, SchedulerCallError>?
        client.send(SchedulerCall(type: .revive)) { outcome = $0 }
        guard case .failure(let error)? = outcome else {
            Issue.record("call did not fail")
            return
        }
        #expect(error.message == "not subscribed")
        try loop.close()
    }
}

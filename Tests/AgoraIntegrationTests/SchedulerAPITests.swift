import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

@Suite(.serialized) struct SchedulerAPITests {
    /// Posts raw bytes to the scheduler endpoint and returns the status and body.
    private func post(_ cluster: Cluster, _ body: String, headers: HTTPHeaders) throws -> HTTPResponse {
        var result: Result<HTTPResponse, HTTPError>?
        HTTPClient.send(loop: cluster.loop, to: cluster.masterAddress,
                        HTTPRequest(method: .post, target: "/api/v1/scheduler", headers: headers, body: Array(body.utf8))) {
            result = $0
        }
        try cluster.wait("the master's answer") { result != nil }
        return try result!.get()
    }

    @Test func badCallsGetMesosStatusesAndMessages() throws {
        try withCluster { cluster in
            let scheduler = cluster.scheduler("api", format: .json)
            try cluster.wait("SUBSCRIBED") { scheduler.frameworkID != nil }
            let id = scheduler.frameworkID!.value
            let json: HTTPHeaders = ["Content-Type": "application/json"]

            let noType = try post(cluster, "{}", headers: json)
            #expect(noType.status == .badRequest)

            let garbage = try post(cluster, "{not json", headers: json)
            #expect(garbage.status == .badRequest)
            #expect(garbage.bodyText.contains("Failed to parse body"))

            let wrongType = try post(cluster, #"{"type":"REVIVE","framework_id":{"value":"x"}}"#,
                                     headers: ["Content-Type": "text/plain"])
            #expect(wrongType.status == .unsupportedMediaType)

            let unknown = try post(cluster, #"{"type":"REVIVE","framework_id":{"value":"nobody"}}"#,
                                   headers: ["Content-Type": "application/json", "Mesos-Stream-Id": "x"])
            #expect(unknown.status == .forbidden)

            let noStream = try post(cluster, #"{"type":"REVIVE","framework_id":{"value":"\#(id)"}}"#, headers: json)
            #expect(noStream.status == .badRequest)
            #expect(noStream.bodyText.contains("Mesos-Stream-Id"))

            let wrongStream = try post(cluster, #"{"type":"REVIVE","framework_id":{"value":"\#(id)"}}"#,
                                       headers: ["Content-Type": "application/json", "Mesos-Stream-Id": "not-it"])
            #expect(wrongStream.status == .badRequest)
            #expect(wrongStream.bodyText.contains("didn't match"))

            let missingBody = try post(cluster, #"{"type":"ACCEPT","framework_id":{"value":"\#(id)"}}"#,
                                       headers: ["Content-Type": "application/json", "Mesos-Stream-Id": scheduler.streamID!])
            #expect(missingBody.status == .badRequest)
            #expect(missingBody.bodyText.contains("'accept'"))

            // Nothing is accepted and ignored: every call and operation Agora does not implement (those of
            // COMPAT.md among them) is a 400 that names it.
            let stream: HTTPHeaders = ["Content-Type": "application/json", "Mesos-Stream-Id": scheduler.streamID!]
            let unimplemented: [(String, String)] = [
                ("REQUEST", #""request":{"requests":[]}"#),
                ("ACCEPT_INVERSE_OFFERS", #""accept_inverse_offers":{"inverse_offer_ids":[{"value":"i"}]}"#),
                ("DECLINE_INVERSE_OFFERS", #""decline_inverse_offers":{"inverse_offer_ids":[{"value":"i"}]}"#),
                ("RECONCILE_OPERATIONS", #""reconcile_operations":{}"#),
                ("ACKNOWLEDGE_OPERATION_STATUS", #""acknowledge_operation_status":{}"#),
            ]
            for (type, body) in unimplemented {
                let answer = try post(cluster, #"{"type":"\#(type)","framework_id":{"value":"\#(id)"},\#(body)}"#, headers: stream)
                #expect(answer.status == .badRequest, "\(type): \(answer.status) \(answer.bodyText)")
                #expect(answer.bodyText.contains(type) && answer.bodyText.contains("not implemented"), "\(type): \(answer.bodyText)")
            }
            // MESSAGE and SHUTDOWN go to an executor through its agent: an agent that is not connected is an error.
            for (type, body) in [("MESSAGE", #""message":{"agent_id":{"value":"a"},"executor_id":{"value":"e"},"data":"aGk="}"#),
                                 ("SHUTDOWN", #""shutdown":{"executor_id":{"value":"e"},"agent_id":{"value":"a"}}"#)] {
                let answer = try post(cluster, #"{"type":"\#(type)","framework_id":{"value":"\#(id)"},\#(body)}"#, headers: stream)
                #expect(answer.status == .badRequest && answer.bodyText.contains("Agent 'a' is not connected"), "\(type): \(answer.bodyText)")
            }
            let reserve = try post(cluster, #"{"type":"ACCEPT","framework_id":{"value":"\#(id)"},"accept":{"offer_ids":[{"value":"o"}],"operations":[{"type":"RESERVE"}]}}"#,
                                   headers: stream)
            #expect(reserve.status == .badRequest && reserve.bodyText.contains("RESERVE"))
            let otherRole = try post(cluster, #"{"type":"REVIVE","framework_id":{"value":"\#(id)"},"revive":{"roles":["web"]}}"#,
                                     headers: stream)
            #expect(otherRole.status == .badRequest && otherRole.bodyText.contains("'web'"))
            let twoRoles = try post(cluster, #"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["a","b"]}}}"#,
                                    headers: json)
            #expect(twoRoles.status == .badRequest && twoRoles.bodyText.contains("MULTI_ROLE"))

            let get = try cluster.get(cluster.master, "/api/v1/scheduler")
            #expect(get.status == .methodNotAllowed)
            scheduler.close()
        }
    }

    @Test func secondSubscribeReplacesTheFirstStream() throws {
        try withCluster { cluster in
            let first = TestScheduler(loop: cluster.loop, master: cluster.masterAddress, name: "one", format: .json)
            first.subscribe()
            try cluster.wait("SUBSCRIBED") { first.frameworkID != nil }
            let second = TestScheduler(loop: cluster.loop, master: cluster.masterAddress, name: "one", format: .protobuf)
            second.info.id = first.frameworkID
            second.info.failoverTimeout = 60
            second.subscribe()
            try cluster.wait("the failover") { second.frameworkID != nil && first.streamEnded }
            #expect(second.frameworkID == first.frameworkID)
            #expect(first.events.last?.type == .error)
            #expect(second.streamID != first.streamID)
            first.close()
            second.close()
        }
    }

    @Test func aKillIsAnnouncedWithTaskKillingToFrameworksThatKnowIt() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let aware = cluster.scheduler("aware", format: .json) { $0.info.capabilities = [.init(type: .taskKillingState)] }
            let plain = cluster.scheduler("plain", format: .protobuf)
            for (scheduler, name) in [(aware, "a"), (plain, "p")] {
                let offer = try cluster.offer(for: scheduler)
                var task = try shellTask(name, "sleep 60", on: offer, resources: "cpus:0.1;mem:32")
                task.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: 1))
                scheduler.launch([task], on: offer)
                try cluster.wait("\(name) running") { scheduler.states(of: TaskID(name)).last == .running }
                scheduler.kill(TaskID(name))
            }
            try cluster.wait("both killed") { aware.states(of: "a").last == .killed && plain.states(of: "p").last == .killed }
            #expect(aware.states(of: "a") == [.starting, .running, .killing, .killed])
            #expect(plain.states(of: "p") == [.starting, .running, .killed], "TASK_KILLING only for frameworks that ask for it")
        }
    }

    @Test func updateFrameworkChangesTheInfoRoleAndSuppression() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let scheduler = cluster.scheduler("before", format: .json)
            _ = try cluster.offer(for: scheduler)
            func update(_ info: String, suppressed: String = "[]") throws -> HTTPResponse {
                try post(cluster, #"{"type":"UPDATE_FRAMEWORK","framework_id":{"value":"\#(scheduler.frameworkID!)"},"update_framework":{"framework_info":\#(info),"suppressed_roles":\#(suppressed)}}"#,
                         headers: ["Content-Type": "application/json", "Mesos-Stream-Id": scheduler.streamID!])
            }
            let renamed = try update(#"{"user":"root","name":"after","role":"web","failover_timeout":30}"#)
            #expect(renamed.status == .ok, "\(renamed.bodyText)")
            try cluster.wait("an offer for role web") {
                scheduler.offers.values.contains { $0.resources.first?.allocationInfo?.role == "web" }
            }
            let state = try cluster.getJSON(cluster.master, "/state")
            #expect(state.list("frameworks").first?["name"] == .string("after"))
            #expect(state.list("frameworks").first?["role"] == .string("web"))
            let constrained = try post(cluster, #"{"type":"UPDATE_FRAMEWORK","framework_id":{"value":"\#(scheduler.frameworkID!)"},"update_framework":{"framework_info":{"user":"root","name":"after","role":"web"},"offer_constraints":{"role_constraints":{}}}}"#,
                                       headers: ["Content-Type": "application/json", "Mesos-Stream-Id": scheduler.streamID!])
            #expect(constrained.status == .badRequest && constrained.bodyText.contains("offer_constraints"), "\(constrained.bodyText)")
            let user = try update(#"{"user":"somebody-else","name":"after","role":"web"}"#)
            #expect(user.status == .badRequest && user.bodyText.contains("user"), "\(user.bodyText)")
            let other = try update(#"{"user":"root","name":"after","role":"web"}"#, suppressed: #"["batch"]"#)
            #expect(other.status == .badRequest && other.bodyText.contains("'batch'"))
            // Suppressed: declined offers do not come back.
            #expect(try update(#"{"user":"root","name":"after","role":"web"}"#, suppressed: #"["web"]"#).status == .ok)
            for offer in scheduler.offers.values { scheduler.decline(offer, refuseSeconds: 0) }
            cluster.idle(.milliseconds(1500))
            #expect(scheduler.offers.isEmpty, "no offers while suppressed")
        }
    }

    @Test func aMultiRoleFrameworkIsOfferedResourcesForEveryRole() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus(web):1;mem(web):256;cpus:1;mem:256;disk:100;ports:[31000-31009]")
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31010-31019]")
            let scheduler = cluster.scheduler("multi", format: .protobuf) {
                $0.info.role = nil
                $0.info.roles = ["web", "batch"]
                $0.info.capabilities = [.init(type: .multiRole)]
            }
            try cluster.wait("offers for both roles") {
                Set(scheduler.offers.values.compactMap(\.allocationInfo?.role)) == ["web", "batch"]
            }
            let reserved = scheduler.offers.values.flatMap(\.resources).filter { $0.role == "web" }
            #expect(!reserved.isEmpty && reserved.allSatisfy { $0.allocationInfo?.role == "web" }, "reserved resources only under web")
            let batch = try #require(scheduler.offers.values.first { $0.allocationInfo?.role == "batch" })
            scheduler.launch([try shellTask("batch-task", "sleep 30", on: batch, resources: "cpus:0.5;mem:64")], on: batch)
            try cluster.wait("the batch task running") { scheduler.states(of: "batch-task").last == .running }
            let state = try cluster.getJSON(cluster.master, "/state")
            #expect(state.list("frameworks").first?["roles"] == .array([.string("web"), .string("batch")]))
            scheduler.kill("batch-task")
            try cluster.wait("the batch task killed") { scheduler.states(of: "batch-task").last == .killed }
        }
    }

    @Test func aContainerAskingForWhatAgoraLacksIsRefusedNotRunWithoutIt() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let scheduler = cluster.scheduler("images", format: .json)
            let offer = try cluster.offer(for: scheduler)
            // Sent as pymesos would: an APPC image, which Agora's OCI runtime cannot run.
            let body = #"{"type":"ACCEPT","framework_id":{"value":"\#(scheduler.frameworkID!)"},"accept":{"offer_ids":[{"value":"\#(offer.id)"}],"#
                + #""operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"c","task_id":{"value":"c"},"agent_id":{"value":"\#(offer.agentID)"},"#
                + #""resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}],"command":{"value":"cat /etc/os-release"},"#
                + #""container":{"type":"MESOS","mesos":{"image":{"type":"APPC","appc":{"name":"coreos.com/etcd"}}}}}]}}]}}"#
            let answer = try post(cluster, body, headers: ["Content-Type": "application/json", "Mesos-Stream-Id": scheduler.streamID!])
            #expect(answer.status == .accepted, "\(answer.bodyText)")
            try cluster.wait("the refusal") { scheduler.lastStatus(of: "c") != nil }
            #expect(scheduler.lastStatus(of: "c")?.state == .error)
            #expect(scheduler.lastStatus(of: "c")?.message?.contains("Image type APPC is not supported") == true)
            scheduler.close()
        }
    }

    @Test func reconcileAnswersFromMasterState() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:1;mem:256;disk:64;ports:[31000-31001]")
            let scheduler = cluster.scheduler("rec", format: .json)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("long", "sleep 30", on: offer, resources: "cpus:0.1;mem:16")], on: offer)
            try cluster.wait("TASK_RUNNING") { scheduler.states(of: "long").last == .running }
            scheduler.call(SchedulerCall(type: .reconcile, reconcile: .init(tasks: [.init(taskID: "long"), .init(taskID: "ghost")])))
            try cluster.wait("reconciliation answers") {
                scheduler.updates.contains { $0.taskID == "ghost" }
                    && scheduler.updates.filter { $0.taskID == "long" && $0.reason == .reconciliation }.count == 1
            }
            #expect(scheduler.lastStatus(of: "ghost")?.state == .lost)
            #expect(scheduler.updates.last { $0.taskID == "long" }?.state == .running)
            scheduler.call(SchedulerCall(type: .teardown))
            try cluster.wait("the stream to end after TEARDOWN") { scheduler.streamEnded }
            scheduler.close()
        }
    }
}

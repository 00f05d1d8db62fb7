import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraStore
import AgoraWire
import Foundation
import Testing

/// Every input that once crashed a daemon (issue 9) is refused with a 4xx naming its field, the daemon stays up,
/// and it restarts cleanly afterwards, also when a bad definition was already stored by an older version.
@Suite(.serialized) struct HostileInputTests {
    private func expectRefused(_ response: HTTPResponse, naming field: String, _ input: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect((400..<500).contains(response.status.rawValue), "\(input): \(response.status) \(response.bodyText)",
                sourceLocation: sourceLocation)
        #expect(response.bodyText.contains(field), "\(input): \(response.bodyText)", sourceLocation: sourceLocation)
    }

    private func expectHealthy(_ cluster: Cluster, _ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(daemon.exit == nil, "\(daemon.name) died: \(daemon.logs.suffix(2000))", sourceLocation: sourceLocation)
        let path = daemon.binary == "agora-cron" ? "/scheduler/jobs" : daemon.binary == "agora-services" ? "/v2/apps" : "/health"
        #expect(try cluster.get(daemon, path).status == .ok, sourceLocation: sourceLocation)
    }

    /// Restarts `daemon` on its state (SIGKILL, same flags) and checks it comes back.
    private func restartHealthy(_ cluster: Cluster, _ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) throws -> Daemon {
        let restarted: Daemon
        if daemon === cluster.master {
            try cluster.restartMaster()
            restarted = cluster.master
        } else {
            restarted = try cluster.restart(daemon)
        }
        try expectHealthy(cluster, restarted, sourceLocation: sourceLocation)
        return restarted
    }

    @Test func masterRefusesNumbersNoResourceOrTimeoutCanHold() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31200-31209]")
            for value in ["1e300", "\"NaN\"", "1e10", "\"Infinity\"", "-1"] {
                let body = #"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"x","failover_timeout":\#(value)}}}"#
                expectRefused(try cluster.send(cluster.master, .post, "/api/v1/scheduler", body: body), naming: "failover_timeout", value)
                _ = try restartHealthy(cluster, cluster.master)
            }
            let agentInputs: [(String, String)] = [
                (#"{"name":"cpus","type":"SCALAR","scalar":{"value":1e308}}"#, "scalar.value"),
                (#"{"name":"cpus","type":"SCALAR","scalar":{"value":"NaN"}}"#, "scalar.value"),
                (#"{"name":"cpus","type":"SCALAR","scalar":{"value":"Infinity"}}"#, "scalar.value"),
                (#"{"name":"mem","type":"SCALAR","scalar":{"value":1e17}}"#, "scalar.value"),
                (#"{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":0,"end":18446744073709551615}]}}"#, "ranges"),
            ]
            for (resource, field) in agentInputs {
                let body = #"{"type":"SUBSCRIBE","subscribe":{"agent_info":{"hostname":"fake","resources":[\#(resource)]}}}"#
                expectRefused(try cluster.send(cluster.master, .post, "/api/v1/agent", body: body), naming: field, resource)
                _ = try restartHealthy(cluster, cluster.master)
            }

            let scheduler = cluster.scheduler("hostile", format: .json)
            let offer = try cluster.offer(for: scheduler)
            let id = scheduler.frameworkID!.value
            let headers: HTTPHeaders = ["Mesos-Stream-Id": scheduler.streamID!]
            func accept(_ resources: String, extra: String = "") throws -> HTTPResponse {
                let task = #"{"name":"t","task_id":{"value":"t1"},"agent_id":{"value":"\#(offer.agentID.value)"},"resources":[\#(resources)],"command":{"value":"true"}\#(extra)}"#
                let body = #"{"type":"ACCEPT","framework_id":{"value":"\#(id)"},"accept":{"offer_ids":[{"value":"\#(offer.id.value)"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[\#(task)]}}]}}"#
                return try cluster.send(cluster.master, .post, "/api/v1/scheduler", body: body, headers: headers)
            }
            for value in ["1e308", "\"NaN\"", "\"Infinity\"", "-1"] {
                expectRefused(try accept(#"{"name":"cpus","type":"SCALAR","scalar":{"value":\#(value)}}"#), naming: "scalar.value", value)
            }
            expectRefused(try accept(#"{"name":"mem","type":"SCALAR","scalar":{"value":1e17}}"#), naming: "scalar.value", "mem 1e17")
            let cpus = #"{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}"#
            for (field, value) in [("interval_seconds", "1e300"), ("delay_seconds", "\"NaN\""), ("timeout_seconds", "1e300")] {
                let check = #","health_check":{"type":"COMMAND","command":{"value":"true"},"\#(field)":\#(value)}"#
                expectRefused(try accept(cpus, extra: check), naming: field, "\(field) \(value)")
            }
            let kill = #","kill_policy":{"grace_period":{"nanoseconds":-5}}"#
            expectRefused(try accept(cpus, extra: kill), naming: "grace_period", "grace -5 ns")
            try expectHealthy(cluster, cluster.master)
            scheduler.close()
            try cluster.restartMaster()
            try expectHealthy(cluster, cluster.master)
        }
    }

    @Test func servicesRefusesOutOfRangeAppFieldsAndSkipsStoredOnes() throws {
        try withCluster { cluster in
            var services = try cluster.addServices()
            let base = #""cmd":"sleep 100""#
            let inputs: [(String, String)] = [
                (#""instances":1e300"#, "/instances"), (#""instances":1e19"#, "/instances"),
                (#""instances":-1"#, "/instances"), (#""instances":1.5"#, "/instances"),
                (#""ports":[1e300]"#, "/ports(0)"), (#""ports":[1e19]"#, "/ports(0)"),
                (#""portDefinitions":[{"port":1e300}]"#, "/portDefinitions(0)/port"),
                (#""healthChecks":[{"protocol":"TCP","portIndex":1e19}]"#, "/healthChecks(0)/portIndex"),
                (#""healthChecks":[{"protocol":"TCP","intervalSeconds":1e300}]"#, "/healthChecks(0)/intervalSeconds"),
                (#""healthChecks":[{"protocol":"TCP","maxConsecutiveFailures":-1}]"#, "/healthChecks(0)/maxConsecutiveFailures"),
                (#""cpus":1e300"#, "/cpus"), (#""mem":1e17"#, "/mem"),
                (#""taskKillGracePeriodSeconds":1e300"#, "/taskKillGracePeriodSeconds"),
                (#""backoffSeconds":1e300"#, "/backoffSeconds"),
            ]
            for (index, (field, path)) in inputs.enumerated() {
                let app = #"{"id":"/bad\#(index)",\#(base),\#(field)}"#
                expectRefused(try cluster.send(services, .post, "/v2/apps", body: app), naming: path, field)
                expectRefused(try cluster.send(services, .put, "/v2/apps", body: "[\(app)]"), naming: path, "bulk \(field)")
                services = try restartHealthy(cluster, services)
            }
            try expectHealthy(cluster, services)
            let apps = try cluster.getJSON(services, "/v2/apps")
            #expect(apps["apps"] == .array([]), "nothing was stored: \(apps)")

            // A row written by an older version that no longer validates is skipped at start, not a crash loop.
            let workDirectory = services.arguments[services.arguments.firstIndex(of: "--work-dir")! + 1]
            let database = try SQLiteDatabase(path: workDirectory + "/services.db")
            try database.execute("INSERT INTO apps VALUES (?, ?)",
                                 [.text("/old"), .text(#"{"id":"/old","cmd":"true","instances":1e300}"#)])
            let restarted = try cluster.restart(services)
            try expectHealthy(cluster, restarted)
            let metrics = try cluster.get(restarted, "/metrics").bodyText
            #expect(metrics.contains("agora_services_stored_rows_skipped 1"), "\(metrics)")
            #expect(restarted.logs.contains("/instances"), "the log names the field")
        }
    }

    @Test func cronRefusesRunawayAndOutOfRangeJobs() throws {
        try withCluster { cluster in
            var cron = try cluster.addCron()
            let good = #""command":"true","owner":"ops""#
            let inputs: [(String, String)] = [
                (#""schedule":"R/2026-01-01T00:00:00Z/PT99999999999999999999H""#, "PT99999999999999999999H"),
                (#""schedule":"R/2026-01-01T00:00:00Z/P9000000000000000000Y""#, "P9000000000000000000Y"),
                (#""schedule":"R/999999-01-01T00:00:00Z/PT1H""#, "between the years"),
                (#""schedule":"R//PT0.001S""#, "at least"),
                (#""schedule":"R//PT1H","retries":1e300"#, "retries"),
                (#""schedule":"R//PT1H","retries":"NaN""#, "retries"),
                (#""schedule":"R//PT1H","cpus":"Infinity""#, "cpus"),
                (#""schedule":"R//PT1H","cpus":1e300"#, "cpus"),
                (#""schedule":"R//PT1H","mem":1e17"#, "mem"),
                (#""schedule":"R//PT1H","epsilon":"P9000000000000000000D""#, "P9000000000000000000D"),
            ]
            for (index, (fields, named)) in inputs.enumerated() {
                let job = #"{"name":"bad\#(index)",\#(good),\#(fields)}"#
                expectRefused(try cluster.send(cron, .post, "/scheduler/iso8601", body: job), naming: named, fields)
                cron = try restartHealthy(cluster, cron)
            }
            expectRefused(try cluster.send(cron, .put, "/scheduler/task/x", body: #"{"statusCode":1e300}"#),
                          naming: "statusCode", "statusCode 1e300")
            try expectHealthy(cluster, cron)
            #expect(try cluster.getJSON(cron, "/scheduler/jobs") == .array([]))

            let workDirectory = cron.arguments[cron.arguments.firstIndex(of: "--work-dir")! + 1]
            let database = try SQLiteDatabase(path: workDirectory + "/cron.db")
            try database.execute("INSERT INTO jobs VALUES (?, ?)",
                                 [.text("old"), .text(#"{"name":"old","command":"true","schedule":"R//PT1H","retries":1e300}"#)])
            let restarted = try cluster.restart(cron)
            try expectHealthy(cluster, restarted)
            #expect(try cluster.get(restarted, "/metrics").bodyText.contains("agora_cron_stored_rows_skipped 1"))
        }
    }

    @Test func anEmptyStartIsFixedOnceSoSchedulesDoNotRunAway() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:512;disk:512;ports:[31210-31219]")
            let cron = try cluster.addCron()
            let posted = ContinuousClock.now
            for (name, schedule) in [("every2", "R//PT2S"), ("once", "R1//PT2S")] {
                let job = #"{"name":"\#(name)","command":"true","owner":"ops","schedule":"\#(schedule)","epsilon":"PT30S"}"#
                #expect(try cluster.send(cron, .post, "/scheduler/iso8601", body: job).status == .noContent)
            }
            let stored = try cluster.getJSON(cron, "/scheduler/jobs")
            guard case .array(let jobs) = stored else {
                Issue.record("no jobs: \(stored)")
                return
            }
            for job in jobs {
                guard case .string(let schedule)? = job["schedule"] else { continue }
                #expect(!schedule.contains("//"), "the start was fixed when stored: \(schedule)")
            }
            func runs(_ name: String) throws -> Int {
                guard case .array(let runs) = try cluster.getJSON(cron, "/scheduler/job/\(name)/runs") else { return -1 }
                return runs.count
            }
            // The start is the next whole second (s <= 1 after the POST), so runs are due at s, s+2, s+4: by the third,
            // at most one run per 2 s since the POST (and one more for the start), never hundreds. However late the
            // third comes on a loaded machine, the bound grows with it.
            try cluster.wait("three runs of every2", timeout: .seconds(30)) { ((try? runs("every2")) ?? 0) >= 3 }
            let elapsed = ContinuousClock.now - posted
            let every = try runs("every2")
            #expect(every <= Int(elapsed / .seconds(2)) + 2, "every2 ran \(every) times in \(elapsed)")
            #expect(try runs("once") == 1)
        }
    }
}

import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// Talks to the cron framework's Chronos API.
struct CronClient {
    let cluster: Cluster
    let daemon: Daemon

    @discardableResult
    func send(_ method: HTTPMethod, _ target: String, _ body: String? = nil) throws -> HTTPResponse {
        var result: Result<HTTPResponse, HTTPError>?
        HTTPClient.send(loop: cluster.loop, to: daemon.address!, HTTPRequest(
            method: method, target: target, headers: ["Content-Type": "application/json"], body: Array((body ?? "").utf8))) { result = $0 }
        try cluster.wait("\(method) \(target)") { result != nil }
        return try result!.get()
    }

    func runs(_ job: String) -> [JSONValue] {
        guard let response = try? send(.get, "/scheduler/job/\(job)/runs"), case .array(let runs)? = try? JSONValue.parse(response.body) else {
            return []
        }
        return runs
    }

    func succeeded(_ job: String) -> [JSONValue] { runs(job).filter { $0["outcome"] == .string("succeeded") } }
}

private func iso(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
}

private func time(_ value: JSONValue?) -> Date? {
    guard case .string(let text)? = value else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}

@Suite(.serialized) struct CronTests {
    /// Offers are held only while runs keep falling due: once they stop, the cron framework gives every offer back
    /// (nothing hoarded from other frameworks).
    @Test func offersHeldBetweenRunsAreGivenBackWhenRunsStopFallingDue() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            let start = Date().addingTimeInterval(1).rounded()
            let job = #"{"name": "burst", "command": "true", "owner": "ops", "schedule": "R3/\#(iso(start))/PT1S", "epsilon": "PT30S"}"#
            #expect(try cron.send(.post, "/v1/scheduler/iso8601", job).status == .noContent)
            try cluster.wait("three runs", timeout: .seconds(20)) { cron.succeeded("burst").count >= 3 }
            func offersHeldByCron() throws -> Int {
                let frameworks = try cluster.getJSON(cluster.master, "/state").list("frameworks")
                return frameworks.filter { $0["name"] == .string("agora-cron") }.map { $0.list("offers").count }.reduce(0, +)
            }
            // The hold ends a second after the last run fell due (checked every 250 ms).
            try cluster.wait("the held offers to go back", timeout: .seconds(5)) { (try? offersHeldByCron()) == 0 }
            cluster.idle(.seconds(1))
            #expect(try offersHeldByCron() == 0)
        }
    }

    /// The process path of a repeating schedule (due times, real start lag); how many runs fall due when is
    /// `CronPlannerTests`' job, on a manual clock.
    @Test func jobEveryTwoSecondsRunsOnTime() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            let start = Date().addingTimeInterval(1).rounded()
            let job = #"{"name": "tick", "command": "echo tick", "owner": "ops", "schedule": "R/\#(iso(start))/PT2S", "epsilon": "PT30S"}"#
            #expect(try cron.send(.post, "/v1/scheduler/iso8601", job).status == .noContent)
            try cluster.wait("two runs", timeout: .seconds(20)) { cron.succeeded("tick").count >= 2 }
            let runs = cron.succeeded("tick")
            let scheduled = runs.compactMap { time($0["scheduled"]) }
            for (index, due) in scheduled.enumerated() {
                #expect(abs(due.timeIntervalSince(start) - Double(index) * 2) < 0.01, "run \(index) due at \(due)")
            }
            let lags = runs.compactMap { run in time(run["started"]).flatMap { started in time(run["scheduled"]).map { started.timeIntervalSince($0) } } }
                .sorted()
            let p99 = lags[min(lags.count - 1, Int(Double(lags.count - 1) * 0.99))]
            print("cron start lag over \(lags.count) runs: p50 \(Int(lags[lags.count / 2] * 1000)) ms, p99 \(Int(p99 * 1000)) ms")
            #expect(lags.allSatisfy { $0 >= 0 && $0 < 1 }, "lags \(lags)")
        }
    }

    @Test func chainAndDiamondRunInOrderAfterEveryParent() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            let due = iso(Date().addingTimeInterval(1))
            func add(_ name: String, parents: [String] = [], sleep: Double = 0.3) throws {
                let trigger = parents.isEmpty ? #""schedule": "R1/\#(due)/PT1H""#
                    : #""parents": [\#(parents.map { "\"\($0)\"" }.joined(separator: ","))]"#
                let body = #"{"name": "\#(name)", "command": "sleep \#(sleep)", "owner": "ops", \#(trigger)}"#
                let response = try cron.send(.post, parents.isEmpty ? "/scheduler/iso8601" : "/scheduler/dependency", body)
                #expect(response.status == .noContent, "\(name): \(response.bodyText)")
            }
            try add("a")
            try add("b", parents: ["a"])
            try add("c", parents: ["b"])
            try add("d")
            try add("e", parents: ["d"], sleep: 0.2)
            try add("f", parents: ["d"], sleep: 0.8)
            try add("g", parents: ["e", "f"])
            #expect(try cron.send(.post, "/scheduler/dependency", #"{"name": "a", "command": "true", "owner": "o", "parents": ["c"]}"#).status == .badRequest)

            try cluster.wait("c and g to succeed", timeout: .seconds(30)) { !cron.succeeded("c").isEmpty && !cron.succeeded("g").isEmpty }
            func span(_ job: String) -> (Date, Date) {
                let run = cron.succeeded(job)[0]
                return (time(run["started"])!, time(run["ended"])!)
            }
            #expect(span("b").0 >= span("a").1)
            #expect(span("c").0 >= span("b").1)
            #expect(span("g").0 >= max(span("e").1, span("f").1))
            #expect(cron.runs("g").count == 1)
            let dot = try cron.send(.get, "/scheduler/graph/dot").bodyText
            #expect(dot.contains(#""e" -> "g";"#) && dot.contains(#""f" -> "g";"#))
        }
    }

    @Test func failingJobRetriesThenStopsItsChildren() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            let due = iso(Date().addingTimeInterval(1))
            try cron.send(.post, "/scheduler/iso8601", #"{"name": "flaky", "command": "exit 4", "owner": "o", "retries": 1, "schedule": "R1/\#(due)/PT1H"}"#)
            try cron.send(.post, "/scheduler/dependency", #"{"name": "after", "command": "true", "owner": "o", "parents": ["flaky"]}"#)
            try cluster.wait("two failed attempts", timeout: .seconds(20)) {
                cron.runs("flaky").filter { $0["outcome"] == .string("failed") }.count == 2
            }
            cluster.idle(.seconds(1))
            #expect(cron.runs("flaky").count == 2)
            #expect(cron.runs("flaky").allSatisfy { $0["exitStatus"] == .number("4") })
            #expect(cron.runs("after").isEmpty)
            let job = try JSONValue.parse(try cron.send(.get, "/scheduler/job/flaky").body)
            #expect(job["errorCount"] == .number("1"))
            #expect(job["lastError"] != .string(""))
        }
    }

    @Test func putRunsAJobNow() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = CronClient(cluster: cluster, daemon: try cluster.addCron())
            try cron.send(.post, "/scheduler/iso8601", #"{"name": "later", "command": "echo now", "owner": "o", "schedule": "R/2036-01-01T00:00:00Z/P1D"}"#)
            #expect(try cron.send(.put, "/scheduler/job/later").status == .noContent)
            try cluster.wait("the manual run", timeout: .seconds(10)) { cron.succeeded("later").count == 1 }
            #expect(try cron.send(.put, "/scheduler/job/nope").status == .notFound)
            #expect(try cron.send(.post, "/scheduler/iso8601", #"{"name": "x", "command": "true", "owner": "o", "schedule": "R/soon/PT1H"}"#).status == .badRequest)
        }
    }

    @Test func restartDuringAScheduleNeitherSkipsNorDoubles() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let state = cluster.directory + "/cron-state"
            var daemon = try cluster.addCron(workDirectory: state)
            var cron = CronClient(cluster: cluster, daemon: daemon)
            let start = Date().addingTimeInterval(1).rounded()
            try cron.send(.post, "/scheduler/iso8601", #"{"name": "beat", "command": "true", "owner": "o", "schedule": "R/\#(iso(start))/PT3S", "epsilon": "PT10S"}"#)
            try cluster.wait("the first run", timeout: .seconds(10)) { cron.succeeded("beat").count == 1 }
            // Down across the next due time, back within epsilon.
            try daemon.process.kill(.terminate)
            try cluster.wait("agora-cron to stop") { daemon.exit != nil }
            cluster.idle(.seconds(4))
            daemon = try cluster.addCron(workDirectory: state)
            cron = CronClient(cluster: cluster, daemon: daemon)
            try cluster.wait("runs to catch up", timeout: .seconds(20)) { cron.succeeded("beat").count >= 4 }
            let due = cron.runs("beat").compactMap { time($0["scheduled"]) }.map { Int(($0.timeIntervalSince(start) / 3).rounded()) }
            #expect(Set(due).count == due.count, "a due time ran twice: \(due)")
            #expect(Array(due.prefix(4)) == [0, 1, 2, 3], "a due time was skipped: \(due)")
        }
    }
}

extension Date {
    /// Whole seconds.
    func rounded() -> Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.up)) }
}

@Suite(.serialized) struct ChronosClientTests {
    @Test func chronosPythonClientDrivesTheCronFramework() throws {
        guard let python = PythonClients.python() else { return }
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = try cluster.addCron()
            let result = try cluster.run(python, [PythonClients.fixture("chronos_client.py"),
                                                  cron.address!.description], timeout: .seconds(90))
            #expect(result.exit.succeeded, "chronos-python said:\n\(result.stdout)\n\(result.stderr.suffix(3000))")
            for step in ["LIST 0", "ADDED ['nightly report']", "UPDATED echo report v2", "DEPENDENT ['nightly report']",
                         "RAN 1 1 True", "SEARCH ['publish']", "link,nightly report,publish", "STAT 1", "METRICS True",
                         "DELETED 0", "MISSING True", "OK"] {
                #expect(result.stdout.contains(step), "missing \(step) in:\n\(result.stdout)")
            }
        }
    }
}

@Suite(.serialized) struct JobCLITests {
    @Test func jobCommandsDriveTheCronFramework() throws {
        try withCluster { cluster in
            try cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31009]")
            let cron = try cluster.addCron()
            let agora = Cluster.binary("agora")
            let environment = ["AGORA_CRON": "http://\(cron.address!)"]
            let parent = cluster.directory + "/build.json"
            let child = cluster.directory + "/ship.json"
            try Data(#"{"name": "build", "command": "echo built", "owner": "o", "schedule": "R/2036-01-01T00:00:00Z/P1D"}"#.utf8)
                .write(to: URL(fileURLWithPath: parent))
            try Data(#"{"name": "ship", "command": "echo shipped", "owner": "o", "parents": ["build"]}"#.utf8)
                .write(to: URL(fileURLWithPath: child))
            #expect(try cluster.run(agora, ["job", "add", "-f", parent], environment: environment).exit.succeeded)
            #expect(try cluster.run(agora, ["job", "add", "-f", child], environment: environment).exit.succeeded)
            #expect(try cluster.run(agora, ["job", "run", "build"], environment: environment).exit.succeeded)
            let client = CronClient(cluster: cluster, daemon: cron)
            try cluster.wait("build and ship") { client.succeeded("ship").count == 1 }
            let list = try cluster.run(agora, ["job", "list"], environment: environment)
            #expect(list.stdout.contains("after build"))
            let runs = try cluster.run(agora, ["job", "runs", "ship"], environment: environment)
            #expect(runs.stdout.contains("succeeded"))
            let graph = try cluster.run(agora, ["job", "graph"], environment: environment)
            #expect(graph.stdout.contains(#""build" -> "ship";"#))
            let refused = try cluster.run(agora, ["job", "delete", "build"], environment: environment)
            #expect(refused.exit.code == 1)
            #expect(refused.stderr.contains("dependent jobs (ship)"))
            #expect(try cluster.run(agora, ["job", "delete", "ship"], environment: environment).exit.succeeded)
            #expect(try cluster.run(agora, ["job", "delete", "build"], environment: environment).exit.succeeded)
        }
    }
}

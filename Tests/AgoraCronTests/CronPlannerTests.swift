@testable import AgoraCron
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation
import Logging
import Testing

/// The cron rules on a clock the tests advance: no process, no waiting.
@Suite struct CronPlannerTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func job(_ name: String, _ fields: [(String, JSONValue)]) throws -> Job {
        try JobJSON.parse(.object([("name", .string(name)), ("command", .string("true"))] + fields), dependent: nil, now: start)
    }

    /// A cron scheduler on `clock` with its state in a scratch database (no master, no offers).
    private func scheduler(_ clock: ManualClock, _ directory: borrowing ScratchDirectory) throws -> CronScheduler {
        try CronScheduler(clock: clock, store: try CronStore(path: directory.path + "/cron.db"), logger: Logger(label: "cron-test"))
    }

    @Test func aJobEveryTwoSecondsIsDueFourTimesInSevenSeconds() throws {
        let directory = try ScratchDirectory()
        let clock = ManualClock(now: start.timeIntervalSince1970)
        let cron = try scheduler(clock, directory)
        try cron.put(try job("tick", [("schedule", .string("R/2027-01-15T08:00:01Z/PT2S"))]))
        clock.advance(by: .milliseconds(7500))
        let due = cron.pending.filter { $0.job == "tick" }.map { $0.scheduled.timeIntervalSince(start) }
        #expect(due == [1, 3, 5, 7])
        cron.stop()
    }

    @Test func aJobStoredJustAfterItsStartRunsAtOnce() throws {
        let directory = try ScratchDirectory()
        let clock = ManualClock(now: start.timeIntervalSince1970 + 1.5)
        let cron = try scheduler(clock, directory)
        try cron.put(try job("prompt", [("schedule", .string("R1/2027-01-15T08:00:01Z/PT1H"))]))
        #expect(cron.pending.map { $0.scheduled.timeIntervalSince(start) } == [1], "due 0.5 s ago, within epsilon")
        clock.advance(by: .seconds(30))
        #expect(cron.pending.count == 1, "R1: once, not again when the timer fires")
        cron.stop()
    }

    @Test func aRunThatWaitsLongerThanEpsilonIsRecordedMissed() throws {
        let directory = try ScratchDirectory()
        let clock = ManualClock(now: start.timeIntervalSince1970)
        let cron = try scheduler(clock, directory)
        try cron.put(try job("late", [("schedule", .string("R1/2027-01-15T08:00:01Z/PT1H")), ("epsilon", .string("PT5S"))]))
        clock.advance(by: .seconds(5))
        #expect(cron.pending.count == 1, "due 4 s ago, still within epsilon")
        clock.advance(by: .seconds(2))
        #expect(cron.pending.isEmpty)
        #expect(try cron.store.runs(job: "late").map(\.outcome) == [.missed])
        cron.stop()
    }

    @Test func aDueTimeMissedWhileDownRunsWithinEpsilonAndIsMissedAfterIt() {
        let due = start.addingTimeInterval(-30)
        #expect(CronPlanner.catchUp(nextScheduled: due, epsilonSeconds: 60, alreadyQueued: false, now: start)
            == .init(run: due, armFrom: due.addingTimeInterval(0.001)))
        #expect(CronPlanner.catchUp(nextScheduled: due, epsilonSeconds: 10, alreadyQueued: false, now: start)
            == .init(missed: due, armFrom: due.addingTimeInterval(0.001)))
        #expect(CronPlanner.catchUp(nextScheduled: due, epsilonSeconds: 60, alreadyQueued: true, now: start)
            == .init(armFrom: due.addingTimeInterval(0.001)), "a run already waiting is not doubled")
        #expect(CronPlanner.catchUp(nextScheduled: start.addingTimeInterval(5), epsilonSeconds: 60, alreadyQueued: false, now: start)
            == .init(armFrom: start))
    }

    @Test func failuresRetryThenStopTheChildren() throws {
        var run = JobRun(id: "r", job: "parent", scheduled: start, attempt: 1, outcome: .running)
        #expect(CronPlanner.outcome(of: run, success: false, retries: 2) == .retry(attempt: 2))
        run.attempt = 3
        #expect(CronPlanner.outcome(of: run, success: false, retries: 2) == .failed)
        #expect(CronPlanner.outcome(of: run, success: true, retries: 2) == .succeeded)

        let jobs = ["a": try job("a", [("schedule", .string("R/2027-01-15T08:00:01Z/PT1H"))]),
                    "b": try job("b", [("schedule", .string("R/2027-01-15T08:00:01Z/PT1H"))]),
                    "child": try job("child", [("parents", .array([.string("a"), .string("b")]))])]
        var states: [String: JobState] = [:]
        states["a", default: JobState()].lastSuccess = start
        #expect(CronPlanner.readyChildren(of: "a", jobs: jobs, states: states, pending: []).isEmpty, "b has not succeeded")
        states["b", default: JobState()].lastSuccess = start.addingTimeInterval(1)
        #expect(CronPlanner.readyChildren(of: "b", jobs: jobs, states: states, pending: []) == ["child"])
        states["child", default: JobState()].lastRunStart = start.addingTimeInterval(2)
        #expect(CronPlanner.readyChildren(of: "b", jobs: jobs, states: states, pending: []).isEmpty,
                "the child ran after both successes")
    }

    @Test func aParentMarkedSuccessfulQueuesItsChildOnce() throws {
        let directory = try ScratchDirectory()
        let clock = ManualClock(now: start.timeIntervalSince1970)
        let cron = try scheduler(clock, directory)
        try cron.put(try job("parent", [("schedule", .string("R/2027-01-16T00:00:00Z/P1D"))]))
        try cron.put(try JobJSON.parse(.object([("name", .string("child")), ("command", .string("true")),
                                                ("parents", .array([.string("parent")]))]), dependent: true, now: start))
        try cron.markSuccess("parent")
        try cron.markSuccess("parent")
        #expect(cron.pending.map(\.job) == ["child"])
        cron.stop()
    }
}

import AgoraCron
import Foundation
import AgoraWire
import Testing

private func date(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text)!
}

private let newYork = TimeZone(identifier: "America/New_York")!

/// A time for schedules that give their own start (it only fixes an empty one).
private let anyTime = Date(timeIntervalSince1970: 1_800_000_000)

@Suite struct ISO8601ScheduleTests {
    @Test func hourlyScheduleFindsTheNextSlot() throws {
        let schedule = try ISO8601Schedule(parsing: "R/2026-01-01T00:00:00Z/PT1H", now: anyTime)
        let next = try #require(schedule.next(atOrAfter: date("2026-01-01T05:30:00Z")))
        #expect(next.date == date("2026-01-01T06:00:00Z"))
        #expect(next.index == 6)
        #expect(schedule.next(atOrAfter: date("2025-12-31T00:00:00Z"))?.date == date("2026-01-01T00:00:00Z"))
        #expect(schedule.next(atOrAfter: date("2026-01-01T06:00:00Z"))?.date == date("2026-01-01T06:00:00Z"))
    }

    @Test func boundedRepetitionsEnd() throws {
        let three = try ISO8601Schedule(parsing: "R3/2026-01-01T00:00:00Z/P1D", now: anyTime)
        #expect(three.next(atOrAfter: date("2026-01-02T12:00:00Z"))?.date == date("2026-01-03T00:00:00Z"))
        #expect(three.next(atOrAfter: date("2026-01-05T00:00:00Z")) == nil)
        #expect(try ISO8601Schedule(parsing: "R0/2026-01-01T00:00:00Z/P1D", now: anyTime).next(atOrAfter: date("2020-01-01T00:00:00Z")) == nil)
    }

    @Test func monthsClampToTheEndOfShortMonths() throws {
        let schedule = try ISO8601Schedule(parsing: "R/2026-01-31T12:00:00Z/P1M", now: anyTime)
        #expect(schedule.next(atOrAfter: date("2026-02-01T00:00:00Z"))?.date == date("2026-02-28T12:00:00Z"))
        #expect(schedule.next(atOrAfter: date("2026-03-01T00:00:00Z"))?.date == date("2026-03-31T12:00:00Z"))
    }

    @Test func yearlyFromALeapDay() throws {
        let schedule = try ISO8601Schedule(parsing: "R/2024-02-29T00:00:00Z/P1Y", now: anyTime)
        #expect(schedule.next(atOrAfter: date("2024-03-01T00:00:00Z"))?.date == date("2025-02-28T00:00:00Z"))
        #expect(schedule.next(atOrAfter: date("2028-01-01T00:00:00Z"))?.date == date("2028-02-29T00:00:00Z"))
    }

    @Test func dailyRunsKeepTheirWallClockTimeAcrossDST() throws {
        let daily = try ISO8601Schedule(parsing: "R/2026-03-07T09:00:00/P1D", timeZone: newYork, now: anyTime)
        #expect(daily.next(atOrAfter: date("2026-03-07T00:00:00Z"))?.date == date("2026-03-07T14:00:00Z"))
        // Clocks go forward on 8 March: 09:00 EDT is 13:00Z.
        #expect(daily.next(atOrAfter: date("2026-03-08T00:00:00Z"))?.date == date("2026-03-08T13:00:00Z"))
        // An hourly schedule counts real hours straight through the change.
        let hourly = try ISO8601Schedule(parsing: "R/2026-03-08T05:00:00Z/PT1H", timeZone: newYork, now: anyTime)
        #expect(hourly.next(atOrAfter: date("2026-03-08T07:30:00Z"))?.date == date("2026-03-08T08:00:00Z"))
    }

    @Test func periodsParseEveryUnit() throws {
        let period = try ISO8601Period(parsing: "P1Y2M3W4DT5H6M7.5S")
        let parts: [Int] = [period.years, period.months, period.weeks, period.days, period.hours, period.minutes]
        #expect(parts == [1, 2, 3, 4, 5, 6])
        #expect(period.seconds == 7.5)
        #expect(period.text == "P1Y2M3W4DT5H6M7.5S")
        #expect(try ISO8601Period(parsing: "PT2S").text == "PT2S")
    }

    @Test(arguments: ["R/foo/PT1H", "X/2026-01-01T00:00:00Z/PT1H", "R/2026-01-01T00:00:00Z/P", "R/2026-01-01T00:00:00Z/PT0S",
                      "R-1/2026-01-01T00:00:00Z/PT1H", "R/2026-01-01T00:00:00Z/1H", "R/2026-01-01T00:00:00Z/PT1.5H",
                      "R/2026-01-01T00:00:00Z", "R/2026-01-01T00:00:00Z/PTH", "R/2026-01-01T00:00:00Z/P1X",
                      "R/2026-01-01T00:00:00Z/PT99999999999999999999H", "R/2026-01-01T00:00:00Z/P9000000000000000000Y",
                      "R/2026-01-01T00:00:00Z/P101Y", "R/999999-01-01T00:00:00Z/PT1H"])
    func badSchedulesAreRefused(_ text: String) {
        #expect(throws: ScheduleError.self) { _ = try ISO8601Schedule(parsing: text, now: anyTime) }
    }

    @Test func anEmptyStartBecomesTheNextWholeSecondOnce() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.25)
        let schedule = try ISO8601Schedule(parsing: "R1//PT5S", now: now)
        #expect(schedule.hasImplicitStart)
        #expect(schedule.start == Date(timeIntervalSince1970: 1_800_000_001))
        #expect(schedule.text == "R1/2027-01-15T08:00:01Z/PT5S")
        let job = try JobJSON.parse(.object([("name", .string("j")), ("command", .string("true")),
                                             ("schedule", .string("R//PT5S"))]), dependent: false, now: now)
        #expect(job.schedule == "R/2027-01-15T08:00:01Z/PT5S")
    }

    @Test(arguments: ["R//PT0.001S", "R//PT0.5S"])
    func periodsBelowTheMinimumAreRefused(_ schedule: String) {
        #expect(throws: JobError.self) {
            try JobJSON.parse(.object([("name", .string("j")), ("command", .string("true")), ("schedule", .string(schedule))]),
                              dependent: false, now: anyTime)
        }
    }
}

@Suite struct CronExpressionTests {
    @Test(arguments: [
        ("*/15 * * * *", "2026-01-01T00:07:30Z", "2026-01-01T00:15:00Z"),
        ("0 9 * * MON-FRI", "2026-01-03T10:00:00Z", "2026-01-05T09:00:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("@hourly", "2026-01-01T10:59:59Z", "2026-01-01T11:00:00Z"),
        ("@daily", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ("@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        ("@monthly", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("@yearly", "2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 1,15 * 3", "2026-01-02T00:00:00Z", "2026-01-07T00:00:00Z"),
        ("5 4 * * sun", "2026-01-01T00:00:00Z", "2026-01-04T04:05:00Z"),
        ("0 12 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00Z"),
        ("1-5/2 3 * * *", "2026-01-01T03:01:00Z", "2026-01-01T03:03:00Z"),
        ("0 0 31 * *", "2026-02-01T00:00:00Z", "2026-03-31T00:00:00Z"),
        ("59 23 31 12 *", "2026-01-01T00:00:00Z", "2026-12-31T23:59:00Z"),
    ])
    func nextTimesMatchKnownAnswers(_ expression: String, _ after: String, _ expected: String) throws {
        let cron = try CronExpression(parsing: expression)
        #expect(cron.next(after: date(after)) == date(expected), "\(expression) after \(after)")
    }

    @Test func timeZonesAndDSTGaps() throws {
        // 02:30 does not exist in New York on 8 March 2026; that day has no run.
        let cron = try CronExpression(parsing: "30 2 * * *", timeZone: newYork)
        #expect(cron.next(after: date("2026-03-07T12:00:00Z")) == date("2026-03-09T06:30:00Z"))
        let nine = try CronExpression(parsing: "0 9 * * *", timeZone: newYork)
        #expect(nine.next(after: date("2026-03-07T15:00:00Z")) == date("2026-03-08T13:00:00Z"))
        #expect(try CronExpression(parsing: "30 2 31 2 *").next(after: date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test(arguments: ["61 * * * *", "* * * *", "*/0 * * * *", "5-1 * * * *", "* * * FOO *", "* * 0 * *", "@sometimes", "a b c d e"])
    func badExpressionsAreRefused(_ text: String) {
        #expect(throws: ScheduleError.self) { _ = try CronExpression(parsing: text) }
    }
}

@Suite struct JobGraphTests {
    private let graph = ["a": [], "b": ["a"], "c": ["b"], "d": ["a"], "e": ["b", "d"]]

    @Test func unknownParentsAndCyclesAreProblems() {
        #expect(JobGraph.problem(job: "x", parents: ["a"], parentsOf: graph) == nil)
        #expect(JobGraph.problem(job: "x", parents: ["nope"], parentsOf: graph)?.contains("nope does not exist") == true)
        #expect(JobGraph.problem(job: "a", parents: ["c"], parentsOf: graph)?.contains("cycle") == true)
        #expect(JobGraph.problem(job: "b", parents: ["b"], parentsOf: graph)?.contains("itself") == true)
        #expect(JobGraph.problem(job: "e", parents: ["c", "d"], parentsOf: graph) == nil)
    }

    @Test func childIsReadyOnlyWhenEveryParentSucceededSinceItsLastRun() {
        #expect(JobGraph.isReady(parentSuccesses: [10, 20], lastRun: nil))
        #expect(!JobGraph.isReady(parentSuccesses: [10, nil], lastRun: nil))
        #expect(!JobGraph.isReady(parentSuccesses: [10, 20], lastRun: 15))
        #expect(JobGraph.isReady(parentSuccesses: [16, 20], lastRun: 15))
        #expect(!JobGraph.isReady(parentSuccesses: [], lastRun: nil))
    }

    @Test func orderPutsParentsFirst() {
        let order = JobGraph.order(graph)
        for (child, parents) in graph {
            for parent in parents { #expect(order.firstIndex(of: parent)! < order.firstIndex(of: child)!) }
        }
    }

    @Test(arguments: [#""fetch": [{"uri": "http://example.com/a.tgz", "cache": true}]"#,
                      #""container": {"type": "DOCKER", "image": "busybox", "network": "BRIDGE"}"#,
                      #""container": {"type": "DOCKER", "image": "busybox", "parameters": [{"key": "privileged", "value": "true"}]}"#])
    func fieldsAgoraDoesNotImplementAreRefusedByName(_ field: String) throws {
        let json = try JSONValue.parse(Array(#"{"name": "j", "command": "true", "schedule": "R/2036-01-01T00:00:00Z/P1D", \#(field)}"#.utf8))
        #expect(throws: JobError.self) { try JobJSON.parse(json, dependent: false, now: anyTime) }
        do {
            _ = try JobJSON.parse(json, dependent: false, now: anyTime)
        } catch {
            #expect(String(describing: error).contains("is not implemented") || String(describing: error).contains("not supported"), "\(error)")
        }
    }

    @Test func urisAndFetchBecomeTheRunsURIs() throws {
        let json = try JSONValue.parse(Array(#"{"name": "j", "command": "./tool", "schedule": "R/2036-01-01T00:00:00Z/P1D", "uris": ["http://h/tool"]}"#.utf8))
        let job = try JobJSON.parse(json, dependent: false, now: anyTime)
        #expect(job.fetch == [.init(value: "http://h/tool", executable: false, extract: true, cache: false)])
        let both = try JSONValue.parse(Array(#"{"name": "j", "command": "x", "schedule": "R/2036-01-01T00:00:00Z/P1D", "uris": ["http://h/a"], "fetch": [{"uri": "http://h/b"}]}"#.utf8))
        #expect(throws: JobError.self) { try JobJSON.parse(both, dependent: false, now: anyTime) }
    }
}

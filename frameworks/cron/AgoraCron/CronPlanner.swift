import Foundation

/// A job's timing, parsed once when the job is stored: its ISO 8601 schedule or cron expression, and epsilon.
public struct JobTiming: Sendable {
    enum Trigger: Sendable {
        case schedule(ISO8601Schedule)
        case cron(CronExpression)
        case parents
    }

    let trigger: Trigger
    /// How late a due run may still start, in seconds.
    public let epsilonSeconds: Double

    /// The job's schedule and epsilon, parsed once; `now` only fixes a schedule stored without a start (stored jobs
    /// have one).
    public init(_ job: Job, now: Date) throws(JobError) {
        let zone = job.scheduleTimeZone.flatMap(TimeZone.init(identifier:)) ?? .gmt
        do throws(ScheduleError) {
            if let schedule = job.schedule {
                trigger = .schedule(try ISO8601Schedule(parsing: schedule, timeZone: zone, now: now))
            } else if let cron = job.cron {
                trigger = .cron(try CronExpression(parsing: cron, timeZone: zone))
            } else {
                trigger = .parents
            }
            epsilonSeconds = try ISO8601Period(parsing: job.epsilon).approximateSeconds
        } catch {
            throw JobError.invalid(error.message)
        }
    }

    /// The first due time at or after `date`; nil for dependent jobs and finished schedules.
    public func nextTime(atOrAfter date: Date) -> Date? {
        switch trigger {
        case .schedule(let schedule): schedule.next(atOrAfter: date)?.date
        case .cron(let expression): expression.next(after: date.addingTimeInterval(-0.001))
        case .parents: nil
        }
    }
}

/// The cron framework's rules as pure functions of its jobs, runs and the time: what is due, what is late, what a
/// finished run leads to, which children are ready. `CronScheduler` applies what they decide.
public enum CronPlanner {
    /// What to do with a job's recorded next due time when the framework (re)starts or the job is stored.
    public struct CatchUp: Equatable, Sendable {
        /// A due time to run now (it passed, but less than epsilon ago).
        public var run: Date?
        /// A due time to record as missed (it passed more than epsilon ago).
        public var missed: Date?
        /// Where to look for the next due time.
        public var armFrom: Date
    }

    public static func catchUp(nextScheduled: Date?, epsilonSeconds: Double, alreadyQueued: Bool, now: Date) -> CatchUp {
        guard let due = nextScheduled, due < now else { return CatchUp(armFrom: now) }
        let after = due.addingTimeInterval(0.001)
        if alreadyQueued { return CatchUp(armFrom: after) }
        return now.timeIntervalSince(due) <= epsilonSeconds ? CatchUp(run: due, armFrom: after) : CatchUp(missed: due, armFrom: after)
    }

    /// The first due time of a job just stored: one that passed less than epsilon ago still counts (it runs at
    /// once, as Chronos does), so a job posted a moment after its start is not skipped.
    public static func firstDue(_ timing: JobTiming, disabled: Bool, now: Date) -> Date? {
        guard !disabled else { return nil }
        return timing.nextTime(atOrAfter: now.addingTimeInterval(-timing.epsilonSeconds))
    }

    /// The next time a job is due, looking from `date` but never before a due time already recorded.
    public static func nextDue(_ timing: JobTiming, disabled: Bool, recorded: Date?, from date: Date) -> Date? {
        guard !disabled else { return nil }
        return timing.nextTime(atOrAfter: max(date, recorded ?? date))
    }

    /// First attempts still waiting for an offer more than their job's epsilon after they were due.
    public static func expired(_ pending: [JobRun], epsilon: (String) -> Double?, now: Date) -> [JobRun] {
        pending.filter { run in
            guard run.attempt == 1, let seconds = epsilon(run.job) else { return false }
            return now.timeIntervalSince(run.scheduled) > seconds
        }
    }

    /// What a run's end leads to.
    public enum Outcome: Equatable, Sendable {
        /// The job succeeded: count it, then its ready children run.
        case succeeded
        /// Run the same due time again, as this attempt.
        case retry(attempt: Int)
        /// The job failed for good: count an error; its children do not run.
        case failed
    }

    public static func outcome(of run: JobRun, success: Bool, retries: Int) -> Outcome {
        if success { return .succeeded }
        return run.attempt <= retries ? .retry(attempt: run.attempt + 1) : .failed
    }

    /// The children of `parent` to run now that it succeeded: enabled, every parent succeeded since the child last
    /// started, and not already waiting. Sorted by name.
    public static func readyChildren(of parent: String, jobs: [String: Job], states: [String: JobState],
                                     pending: [JobRun]) -> [String] {
        jobs.values.filter { child in
            guard child.parents.contains(parent), !child.disabled, !pending.contains(where: { $0.job == child.name }) else {
                return false
            }
            let successes = child.parents.map { states[$0]?.lastSuccess?.timeIntervalSince1970 }
            return JobGraph.isReady(parentSuccesses: successes, lastRun: states[child.name]?.lastRunStart?.timeIntervalSince1970)
        }.map(\.name).sorted()
    }
}

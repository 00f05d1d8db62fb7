import AgoraResources
import AgoraRuntime
import AgoraWire
import Foundation

/// A batch job as Chronos defines it, plus Agora's `cron` alternative to `schedule`.
public struct Job: Equatable, Sendable {
    public var name: String
    public var command: String
    public var shell = true
    public var arguments: [String] = []
    public var schedule: String?
    public var scheduleTimeZone: String?
    public var cron: String?
    public var parents: [String] = []
    public var retries = 2
    public var epsilon = "PT60S"
    public var async = false
    public var disabled = false
    public var concurrent = false
    public var cpus = 0.1
    public var mem = 128.0
    public var disk = 0.0
    public var environmentVariables: [String: String] = [:]
    public var constraints: [PlacementConstraint] = []
    public var owner = ""
    public var description = ""
    /// The Unix user runs execute as (the framework's user when absent).
    public var runAsUser: String?
    /// Files put into each run's sandbox before it starts (Chronos' `uris`, or `fetch`).
    public var fetch: [CommandInfo.URI] = []
    /// The image runs execute in (Chronos' `container`); none runs the command on the host.
    public var container: JobContainer?

    public init(name: String, command: String) {
        self.name = name
        self.command = command
    }

    public var isDependent: Bool { !parents.isEmpty }

    var timeZone: TimeZone { scheduleTimeZone.flatMap(TimeZone.init(identifier:)) ?? .gmt }
}

/// Reads and writes jobs in Chronos' JSON.
public enum JobJSON {
    /// The most retries a job may ask for.
    public static let maxRetries = 1000

    /// Parses and validates a job; `dependent` is true for `POST /scheduler/dependency`. A schedule with an empty
    /// start (`R//PT1H`, "from now") gets the next whole second after `now` as its start here, once, so the stored
    /// job never moves.
    public static func parse(_ json: JSONValue, dependent: Bool?, now: Date) throws(JobError) -> Job {
        guard case .object = json else { throw JobError.invalid("expected a JSON object") }
        guard let name = json.text("name"), !name.isEmpty else { throw JobError.invalid("'name' is required") }
        guard !name.contains("/"), name.trimmingCharacters(in: .whitespaces) == name else {
            throw JobError.invalid("job name '\(name)' must not contain '/' or surrounding spaces")
        }
        guard let command = json.text("command") else { throw JobError.invalid("'command' is required") }
        var job = Job(name: name, command: command)
        if let value = json["container"], value != .null { job.container = try JobContainer.parse(value) }
        if command.isEmpty && job.container == nil { throw JobError.invalid("'command' must not be empty (only a container job may run its image's own command)") }
        if case .array(let items)? = json["fetch"] {
            job.fetch = try items.map { item throws(JobError) in
                guard let uri = CommandInfo.URI(fetchEntry: item) else { throw JobError.invalid("every 'fetch' entry needs a 'uri'") }
                return uri
            }
        }
        if case .array(let items)? = json["uris"], !items.isEmpty {
            guard job.fetch.isEmpty else { throw JobError.invalid("give 'fetch' or 'uris', not both") }
            job.fetch = items.compactMap { $0.textValue }.map(CommandInfo.URI.init(legacyURI:))
        }
        if let problem = job.fetch.lazy.compactMap(\.fetchProblem).first { throw JobError.invalid(problem) }
        if case .bool(let value)? = json["shell"] { job.shell = value }
        if case .array(let items)? = json["arguments"] { job.arguments = items.compactMap { $0.textValue } }
        job.schedule = json.text("schedule").flatMap { $0.isEmpty ? nil : $0 }
        job.scheduleTimeZone = json.text("scheduleTimeZone").flatMap { $0.isEmpty ? nil : $0 }
        job.cron = json.text("cron").flatMap { $0.isEmpty ? nil : $0 }
        if case .array(let items)? = json["parents"] { job.parents = items.compactMap { $0.textValue } }
        do throws(WireError) {
            if let value = try json.integer("retries", in: 0...maxRetries, acceptingStrings: true) { job.retries = value }
            if let value = try json.real("cpus", in: 0.001...Bounds.maxScalar, acceptingStrings: true) { job.cpus = value }
            if let value = try json.real("mem", in: 0...Bounds.maxScalar, acceptingStrings: true) { job.mem = value }
            if let value = try json.real("disk", in: 0...Bounds.maxScalar, acceptingStrings: true) { job.disk = value }
        } catch {
            throw JobError.invalid("'\(error.field.map { String($0.dropFirst()) } ?? "?")' \(error.message)")
        }
        if let value = json.text("epsilon"), !value.isEmpty { job.epsilon = value }
        if case .bool(let value)? = json["async"] { job.async = value }
        if case .bool(let value)? = json["disabled"] { job.disabled = value }
        if case .bool(let value)? = json["concurrent"] { job.concurrent = value }
        if case .array(let items)? = json["environmentVariables"] {
            for item in items {
                if let key = item.text("name") { job.environmentVariables[key] = item.text("value") ?? "" }
            }
        }
        if case .array(let items)? = json["constraints"] {
            for (index, item) in items.enumerated() {
                guard case .array(let values) = item else { throw JobError.invalid("constraints[\(index)] must be [field, operator, value?]") }
                do {
                    job.constraints.append(try PlacementConstraint(parts: values.map { $0.textValue ?? "" }))
                } catch {
                    throw JobError.invalid("constraints[\(index)] \(error.message)")
                }
            }
        }
        job.owner = json.text("owner") ?? ""
        job.runAsUser = json.text("runAsUser").flatMap { $0.isEmpty ? nil : $0 }
        job.description = json.text("description") ?? ""

        let triggers = [job.schedule != nil, job.cron != nil, !job.parents.isEmpty].filter { $0 }.count
        guard triggers == 1 else {
            throw JobError.invalid("a job needs exactly one of 'schedule', 'cron' or 'parents'")
        }
        if dependent == true && job.parents.isEmpty { throw JobError.invalid("a dependent job needs 'parents'") }
        if dependent == false && !job.parents.isEmpty { throw JobError.invalid("use /scheduler/dependency for jobs with 'parents'") }
        if let zone = job.scheduleTimeZone, TimeZone(identifier: zone) == nil {
            throw JobError.invalid("scheduleTimeZone '\(zone)' is not a known time zone")
        }
        do throws(ScheduleError) {
            if let schedule = job.schedule {
                let parsed = try ISO8601Schedule(parsing: schedule, timeZone: job.timeZone, now: now)
                guard parsed.period.approximateSeconds >= ISO8601Schedule.minimumPeriodSeconds else {
                    throw ScheduleError(message: "schedule \"\(schedule)\": the period must be at least \(ISO8601Schedule.minimumPeriodSeconds) seconds")
                }
                if parsed.hasImplicitStart { job.schedule = parsed.text }
            }
            if let cron = job.cron { _ = try CronExpression(parsing: cron, timeZone: job.timeZone) }
            _ = try ISO8601Period(parsing: job.epsilon)
        } catch {
            throw JobError.invalid(error.message)
        }
        return job
    }

    /// Chronos' job object, with the counters and dates it reports.
    static func render(_ job: Job, state: JobState?) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = [
            ("name", .string(job.name)),
            ("command", .string(job.command)),
            ("shell", .bool(job.shell)),
            ("arguments", .array(job.arguments.map { .string($0) })),
            ("epsilon", .string(job.epsilon)),
            ("executor", .string("")),
            ("executorFlags", .string("")),
            ("retries", .integer(job.retries)),
            ("owner", .string(job.owner)),
            ("ownerName", .string("")),
            ("description", .string(job.description)),
            ("async", .bool(job.async)),
            ("successCount", .integer(state?.successCount ?? 0)),
            ("errorCount", .integer(state?.errorCount ?? 0)),
            ("lastSuccess", .string(state?.lastSuccess.map(JobJSON.format) ?? "")),
            ("lastError", .string(state?.lastError.map(JobJSON.format) ?? "")),
            ("cpus", JSONValue.double(job.cpus) ?? .null),
            ("disk", JSONValue.double(job.disk) ?? .null),
            ("mem", JSONValue.double(job.mem) ?? .null),
            ("disabled", .bool(job.disabled)),
            ("softError", .bool(false)),
            ("dataProcessingJobType", .bool(false)),
            ("errorsSinceLastSuccess", .integer(state?.errorsSinceLastSuccess ?? 0)),
            ("concurrent", .bool(job.concurrent)),
            ("uris", .array(job.fetch.map { .string($0.value) })),
            ("fetch", .array(job.fetch.map(\.fetchEntry))),
            ("environmentVariables", .array(job.environmentVariables.sorted { $0.key < $1.key }.map {
                .object([("name", .string($0.key)), ("value", .string($0.value))])
            })),
            ("highPriority", .bool(false)),
            ("runAsUser", .string(job.runAsUser ?? "")),
            ("constraints", .array(job.constraints.map { .array($0.parts.map { .string($0) }) })),
        ]
        if let container = job.container { entries.append(("container", container.json)) }
        if job.isDependent {
            entries.append(("parents", .array(job.parents.map { .string($0) })))
        } else {
            entries.append(("schedule", .string(job.schedule ?? "")))
            entries.append(("scheduleTimeZone", .string(job.scheduleTimeZone ?? "")))
            if let cron = job.cron { entries.append(("cron", .string(cron))) }
        }
        return .object(entries)
    }

    static func format(_ date: Date) -> String { UTCTimestamp.string(secondsSince1970: date.timeIntervalSince1970) }
}

/// What a job has done so far.
public struct JobState: Sendable {
    public var successCount = 0
    public var errorCount = 0
    public var errorsSinceLastSuccess = 0
    public var lastSuccess: Date?
    public var lastError: Date?
    /// When the job last started a run (for dependency readiness).
    public var lastRunStart: Date?
    /// The next scheduled time not yet handled (survives restarts).
    public var nextScheduled: Date?
}

/// A request the cron API cannot serve.
public enum JobError: Error {
    case invalid(String)
    case notFound(String)

    var message: String {
        switch self {
        case .invalid(let message), .notFound(let message): message
        }
    }
}

extension JSONValue {
    var textValue: String? { if case .string(let value) = self { value } else { nil } }
    func text(_ key: String) -> String? { self[key]?.textValue }
}

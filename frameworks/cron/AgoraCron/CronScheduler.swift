import AgoraResources
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import Foundation
import Logging

/// Runs jobs at their times (a timer per job, no polling), after their parents, with retries,
/// epsilon for late starts, and a history of every run.
public final class CronScheduler: SchedulerDelegate {
    let clock: any LoopClock
    let store: CronStore
    let logger: Logger
    var client: SchedulerClient?
    public private(set) var jobs: [String: Job] = [:]
    /// Each job's schedule and epsilon, parsed when it was stored.
    private var timings: [String: JobTiming] = [:]
    public private(set) var states: [String: JobState] = [:]
    private var timers: [String: any ScheduledWork] = [:]
    /// The jobs naming each job as a parent: a success looks at its own children, not at every job (10,000 jobs
    /// succeeding at once made that quadratic).
    private var children: [String: Set<String>] = [:]
    /// Runs waiting for an offer, oldest first.
    private(set) var pending: [JobRun] = []
    /// Runs with a task, by task id.
    private(set) var running: [String: JobRun] = [:]
    private var expiry: (any ScheduledWork)?
    /// A REVIVE asked for in this loop turn, sent once at its end (runs falling due together revive once).
    private var reviveSoon: (any ScheduledWork)?
    /// Offers kept unused while runs keep falling due (see `holdWindow`): the next run starts on one at once instead
    /// of waiting for a REVIVE and a whole allocation round.
    private var held: [Offer] = []
    /// Jobs whose run fell due this turn, armed for their next due time once the turn's runs are placed (arming
    /// first would delay every run of a busy second by the work of the others).
    private var armAfterPlacing: [(job: String, from: Date)] = []
    /// When a run last fell due (clock seconds).
    private var lastDue: Double = -.infinity
    private var stopped = false

    /// How often waiting runs are checked against their epsilon.
    static let expiryInterval: Duration = .milliseconds(250)
    /// Unused offers are held while a run fell due within this many seconds, at most `holdLimit` of them; then they
    /// are declined.
    static let holdWindow = 1.0
    static let holdLimit = 8
    /// The fewest runs an offer takes before the next offer is used (more when there are more runs than offers).
    static let runsPerAccept = 32

    init(clock: any LoopClock, store: CronStore, logger: Logger) throws {
        self.clock = clock
        self.store = store
        self.logger = logger
        store.db.groupWrites(on: clock) { [logger] in logger.error("\($0)") }
        for job in try store.jobs(now: now) {
            jobs[job.name] = job
            link(job)
            timings[job.name] = try JobTiming(job, now: now)
        }
        for row in store.skippedRows { logger.error("skipped a stored job that is no longer valid: \(row)") }
        states = try store.states()
        for run in try store.runs(outcomes: [.pending]) { pending.append(run) }
        for run in try store.runs(outcomes: [.running]) { if let task = run.taskID { running[task] = run } }
        for job in jobs.values where !job.isDependent { catchUp(job, now: now) }
        try scheduleExpiry()
    }

    /// The clock's time as a date.
    var now: Date { Date(timeIntervalSince1970: clock.now) }

    func stop() {
        stopped = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        expiry?.cancel()
        expiry = nil
        reviveSoon?.cancel()
        reviveSoon = nil
        held.removeAll()
        armAfterPlacing.removeAll()
    }

    private func scheduleExpiry() throws(RuntimeError) {
        expiry = try clock.schedule(in: Self.expiryInterval) { [weak self] in
            guard let self, !self.stopped else { return }
            self.expireLateRuns()
            self.releaseHeldOffers()
            do {
                try self.scheduleExpiry()
            } catch {
                self.logger.critical("cannot arm the epsilon check: \(error)")
            }
        }
    }

    // MARK: Jobs

    func put(_ job: Job) throws {
        let parentsOf = jobs.mapValues(\.parents)
        if job.isDependent, let problem = JobGraph.problem(job: job.name, parents: job.parents, parentsOf: parentsOf) {
            throw JobError.invalid(problem)
        }
        let timing = try JobTiming(job, now: now)
        try store.save(job)
        let changedTiming = jobs[job.name].map { $0.schedule != job.schedule || $0.cron != job.cron || $0.scheduleTimeZone != job.scheduleTimeZone } ?? true
        if let previous = jobs[job.name] { unlink(previous) }
        jobs[job.name] = job
        link(job)
        timings[job.name] = timing
        if states[job.name] == nil { states[job.name] = JobState() }
        if changedTiming { states[job.name]?.nextScheduled = CronPlanner.firstDue(timing, disabled: job.disabled, now: now) }
        if !job.isDependent { catchUp(job, now: now) } else { timers.removeValue(forKey: job.name)?.cancel() }
        store.save(states[job.name]!, for: job.name)
    }

    func delete(_ name: String) throws {
        guard jobs[name] != nil else { throw JobError.notFound("job '\(name)' does not exist") }
        let dependents = (children[name] ?? []).sorted()
        guard dependents.isEmpty else {
            throw JobError.invalid("job '\(name)' has dependent jobs (\(dependents.joined(separator: ", "))); delete them first")
        }
        killRuns(of: name)
        try store.delete(job: name)
        if let job = jobs[name] { unlink(job) }
        jobs[name] = nil
        timings[name] = nil
        states[name] = nil
        timers.removeValue(forKey: name)?.cancel()
    }

    /// Queues a run now (`PUT /scheduler/job/{name}`).
    func runNow(_ name: String) throws {
        guard jobs[name] != nil else { throw JobError.notFound("job '\(name)' does not exist") }
        enqueue(name, scheduled: now, attempt: 1)
    }

    /// Kills the job's running tasks and drops its waiting runs.
    func killRuns(of name: String) {
        for run in pending where run.job == name { finish(run, outcome: .killed) }
        pending.removeAll { $0.job == name }
        for run in running.values where run.job == name {
            if let task = run.taskID { client?.kill(TaskID(task)) }
        }
    }

    /// Marks the job succeeded by hand (`PUT /scheduler/job/success/{name}`): counters, then its children.
    func markSuccess(_ name: String) throws {
        guard jobs[name] != nil else { throw JobError.notFound("job '\(name)' does not exist") }
        succeeded(name, at: now)
    }

    /// An async job's task reports its own result (`PUT /scheduler/task/{taskId}`).
    func asyncResult(task: String, statusCode: Int) throws {
        guard var run = (try store.runs(outcomes: [.running, .awaiting])).first(where: { $0.taskID == task }) else {
            throw JobError.notFound("task '\(task)' is not a running job task")
        }
        run.exitStatus = statusCode
        running[task] = nil
        completeRun(run, success: statusCode == 0)
    }

    // MARK: Timing

    /// After a restart: a due time missed while down runs once if still within epsilon, else is missed.
    private func catchUp(_ job: Job, now: Date) {
        guard let timing = timings[job.name] else { return }
        let recorded = states[job.name]?.nextScheduled
        let plan = CronPlanner.catchUp(
            nextScheduled: recorded, epsilonSeconds: timing.epsilonSeconds,
            alreadyQueued: pending.contains { $0.job == job.name && $0.scheduled == recorded }, now: now)
        if let due = plan.run { enqueue(job.name, scheduled: due, attempt: 1) }
        if let due = plan.missed {
            record(JobRun(id: UUID().uuidString.lowercased(), job: job.name, scheduled: due, attempt: 1, outcome: .missed))
        }
        arm(job, from: plan.armFrom)
    }

    /// Sets the job's timer for its next due time at or after `date`.
    private func arm(_ job: Job, from date: Date) {
        timers.removeValue(forKey: job.name)?.cancel()
        guard let timing = timings[job.name],
              let due = CronPlanner.nextDue(timing, disabled: job.disabled, recorded: states[job.name]?.nextScheduled, from: date) else {
            states[job.name]?.nextScheduled = nil
            store.save(states[job.name] ?? JobState(), for: job.name)
            return
        }
        states[job.name, default: JobState()].nextScheduled = due
        store.save(states[job.name]!, for: job.name)
        let delay = max(0, due.timeIntervalSince1970 - clock.now)
        do {
            timers[job.name] = try clock.schedule(in: Bounds.duration(seconds: delay)) { [weak self] in
                guard let self, let job = self.jobs[job.name] else { return }
                self.timers[job.name] = nil
                self.states[job.name]?.nextScheduled = nil
                self.armAfterPlacing.append((job.name, due.addingTimeInterval(0.001)))
                self.enqueue(job.name, scheduled: due, attempt: 1)
            }
        } catch {
            logger.critical("cannot arm the timer of \(job.name) (due \(due)): \(error)")
        }
    }

    private func enqueue(_ name: String, scheduled: Date, attempt: Int) {
        let run = JobRun(id: UUID().uuidString.lowercased(), job: name, scheduled: scheduled, attempt: attempt, outcome: .pending)
        pending.append(run)
        store.save(run)
        lastDue = clock.now
        // With offers held, each ACCEPT's worth of runs starts at once, before the rest of this turn's runs are queued.
        if pending.count % Self.runsPerAccept == 0 { placeOnHeldOffers() }
        guard reviveSoon == nil else { return }
        do {
            reviveSoon = try clock.schedule(in: .zero) { [weak self] in
                self?.reviveSoon = nil
                self?.placePending()
            }
        } catch {
            placePending()
        }
    }

    /// Starts what waits on the offers held, asks for more (REVIVE) if some runs still have no place, then arms the
    /// jobs whose runs fell due for their next time.
    private func placePending() {
        placeOnHeldOffers()
        if !pending.isEmpty { revive() }
        let due = armAfterPlacing
        armAfterPlacing.removeAll()
        // A job changed through the API meanwhile was armed already.
        for (name, from) in due where timers[name] == nil {
            if let job = jobs[name] { arm(job, from: from) }
        }
    }

    /// Asks for offers again (REVIVE also lifts every filter of earlier declines).
    private func revive() {
        client?.revive()
    }

    private func placeOnHeldOffers() {
        guard let client, !held.isEmpty else { return }
        let offers = held
        held.removeAll()
        self.offers(client, offers)
    }

    /// Declines the held offers once no run fell due for `holdWindow`, and stops offers when nothing waits.
    private func releaseHeldOffers() {
        guard clock.now - lastDue > Self.holdWindow, let client else { return }
        if !held.isEmpty {
            client.decline(held.map(\.id), refuseSeconds: 30)
            held.removeAll()
        }
        if pending.isEmpty { client.wantOffers(false) }
    }

    /// Runs still waiting for an offer after their epsilon are recorded as missed (and never start).
    private func expireLateRuns() {
        for run in CronPlanner.expired(pending, epsilon: { self.timings[$0]?.epsilonSeconds }, now: now) {
            logger.warning("run of \(run.job) due \(run.scheduled) did not start within epsilon \(jobs[run.job]?.epsilon ?? "?"): missed")
            pending.removeAll { $0.id == run.id }
            finish(run, outcome: .missed)
        }
    }

    // MARK: Offers and updates

    public func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?) {
        // Offers of an earlier subscription are void.
        held.removeAll()
        store.frameworkID = frameworkID
        let known = running.keys.map { (TaskID($0), AgentID?.none) }
        client.reconcileUntilKnown(known) { _ in }
        if !pending.isEmpty { revive() }
    }

    public func offers(_ client: SchedulerClient, _ offers: [Offer]) {
        // Jobs with a run in progress and the runs started here are looked up, not scanned, for each pending run (10,000
        // jobs due at once would make that quadratic); an offer stops being filled once even the smallest pending
        // demand no longer fits, or once it has its share of the runs. Each offer's ACCEPT goes as soon as it is
        // packed: the master starts those runs while the next offer is packed.
        let share = max(Self.runsPerAccept, (pending.count + offers.count - 1) / max(1, offers.count))
        var busy = Set(running.values.map(\.job))
        var started = Set<String>()
        let smallest = pending.compactMap { jobs[$0.job] }.reduce((cpus: Double.infinity, mem: Double.infinity)) {
            (min($0.cpus, $1.cpus), min($0.mem, $1.mem))
        }
        var packers: [OfferPacker] = []
        for offer in offers {
            var packer = OfferPacker(offer)
            // Once every waiting run has a place, the other offers are only declined (not scanned run by run).
            guard started.count < pending.count else {
                packers.append(packer)
                continue
            }
            for run in pending where !started.contains(run.id) {
                guard packer.tasks.count < share, packer.remaining.scalar("cpus") >= smallest.cpus, packer.remaining.scalar("mem") >= smallest.mem else { break }
                guard let job = jobs[run.job] else { continue }
                if busy.contains(job.name) && !job.concurrent { continue }
                guard constraintsHold(job, offer: offer),
                      let room = packer.take(ResourceDemand(cpus: job.cpus, mem: job.mem, disk: job.disk)) else { continue }
                packer.add(start(run, of: job, on: offer, resources: packer.wire(room)))
                busy.insert(job.name)
                started.insert(run.id)
            }
            if packer.tasks.isEmpty {
                packers.append(packer)
            } else {
                packer.launch(on: client, refuseSeconds: 0)
            }
        }
        // While runs keep falling due, a few unused offers are kept for the next ones.
        let holding = clock.now - lastDue <= Self.holdWindow
        var declined: [OfferPacker] = []
        for packer in packers {
            if holding && held.count < Self.holdLimit {
                held.append(packer.offer)
            } else {
                declined.append(packer)
            }
        }
        OfferPacker.finish(declined, on: client, refuseSeconds: 1, declineSeconds: pending.count == started.count ? 30 : 1)
        if !started.isEmpty { pending.removeAll { started.contains($0.id) } }
        // While runs keep falling due, offers keep coming (the held ones get used up); the epsilon sweep suppresses
        // them once the runs stop.
        if pending.isEmpty && held.isEmpty && !holding { client.wantOffers(false) }
    }

    public func rescinded(_ client: SchedulerClient, offerID: OfferID) {
        held.removeAll { $0.id == offerID }
    }

    /// Records `run` as started on `offer` and returns its task.
    private func start(_ run: JobRun, of job: Job, on offer: Offer, resources: [Resource]) -> TaskInfo {
        var started = run
        let taskID = "ct:\(Bounds.clampedInt64(run.scheduled.timeIntervalSince1970 * 1000)):\(run.attempt - 1):\(job.name):\(run.id.prefix(8))"
        started.taskID = taskID
        started.started = now
        started.agent = offer.hostname
        started.outcome = .running
        running[taskID] = started
        store.save(started)
        states[job.name, default: JobState()].lastRunStart = started.started
        store.save(states[job.name]!, for: job.name)
        var env = job.environmentVariables
        env["CHRONOS_JOB_NAME"] = job.name
        env["AGORA_JOB_NAME"] = job.name
        var command: CommandInfo = if job.command.isEmpty {
            // A container job without a command runs its image's own (with the job's arguments, if any).
            CommandInfo(environment: Environment(env), shell: false, value: nil, arguments: job.arguments)
        } else if job.shell {
            .shell(job.command, environment: Environment(env))
        } else {
            CommandInfo(environment: Environment(env), shell: false, value: job.command, arguments: [job.command] + job.arguments)
        }
        command.uris = job.fetch
        command.user = job.runAsUser
        logger.info("launching \(taskID) (due \(run.scheduled), lag \(String(format: "%.3f", now.timeIntervalSince(run.scheduled)))s)")
        var info = TaskInfo(name: job.name, taskID: TaskID(taskID), agentID: offer.agentID, resources: resources, command: command)
        info.container = job.container?.containerInfo
        return info
    }

    /// Whether the job's constraints allow a run on the offer's agent (next to the job's runs already there).
    private func constraintsHold(_ job: Job, offer: Offer) -> Bool {
        // Most jobs have none: they must not pay a scan of every running run for each run placed (with 10,000 due at
        // once that scan was quadratic).
        guard !job.constraints.isEmpty else { return true }
        let placed = running.values.filter { $0.job == job.name }.compactMap { run in run.agent.map { ($0, [Attribute]()) } }
        return PlacementConstraint.violation(job.constraints, hostname: offer.hostname, attributes: offer.attributes,
                                             placed: placed) == nil
    }

    public func update(_ client: SchedulerClient, _ status: TaskStatus) {
        guard var run = running[status.taskID.value] else { return }
        if let sandbox = status.label(StatusLabel.sandbox) { run.sandbox = sandbox }
        guard status.state.isTerminal else {
            running[status.taskID.value] = run
            store.save(run)
            return
        }
        running[status.taskID.value] = nil
        run.exitStatus = status.state == .finished ? 0 : status.exitCode
        if let job = jobs[run.job], job.async, status.state == .finished {
            run.outcome = .awaiting
            store.save(run)
            return
        }
        completeRun(run, success: status.state == .finished)
    }

    private func completeRun(_ run: JobRun, success: Bool) {
        guard let job = jobs[run.job] else {
            finish(run, outcome: success ? .succeeded : .failed)
            return
        }
        finish(run, outcome: success ? .succeeded : .failed)
        switch CronPlanner.outcome(of: run, success: success, retries: job.retries) {
        case .succeeded:
            succeeded(job.name, at: now)
        case .retry(let attempt):
            logger.warning("\(job.name) failed (attempt \(run.attempt)); retrying")
            enqueue(job.name, scheduled: run.scheduled, attempt: attempt)
        case .failed:
            var state = states[job.name] ?? JobState()
            state.errorCount += 1
            state.errorsSinceLastSuccess += 1
            state.lastError = now
            states[job.name] = state
            store.save(state, for: job.name)
            logger.warning("\(job.name) failed after \(run.attempt) attempt(s); its dependents do not run")
        }
    }

    private func succeeded(_ name: String, at date: Date) {
        var state = states[name] ?? JobState()
        state.successCount += 1
        state.errorsSinceLastSuccess = 0
        state.lastSuccess = date
        states[name] = state
        store.save(state, for: name)
        let candidates = (children[name] ?? []).reduce(into: [String: Job]()) { $0[$1] = jobs[$1] }
        for child in CronPlanner.readyChildren(of: name, jobs: candidates, states: states, pending: pending) {
            enqueue(child, scheduled: date, attempt: 1)
        }
    }

    private func link(_ job: Job) {
        for parent in job.parents { children[parent, default: []].insert(job.name) }
    }

    private func unlink(_ job: Job) {
        for parent in job.parents {
            children[parent]?.remove(job.name)
            if children[parent]?.isEmpty == true { children[parent] = nil }
        }
    }

    private func finish(_ run: JobRun, outcome: RunOutcome) {
        var finished = run
        finished.outcome = outcome
        finished.ended = now
        store.save(finished)
    }

    private func record(_ run: JobRun) {
        store.save(run)
    }
}

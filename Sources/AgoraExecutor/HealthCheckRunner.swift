import AgoraHTTP
import AgoraRuntime
import AgoraWire

/// Runs one task's health check (COMMAND, HTTP or TCP) on its schedule and reports transitions.
///
/// Failures inside the grace period count only once a check has succeeded; after
/// `consecutiveFailures` failures in a row the task is to be killed (`onUnhealthy`).
public final class HealthCheckRunner {
    private let loop: Loop
    private let check: HealthCheck
    private let sandbox: String
    private let environment: [String: String]
    private let onChange: (Bool) -> Void
    private let onUnhealthy: (String) -> Void
    /// Told when a timer cannot be armed (to log and count).
    public var onTimerFailure: (RuntimeError) -> Void = { _ in }
    private let clock: any LoopClock
    private let started: Double
    private var timer: LoopTimer?
    private var timeout: LoopTimer?
    private var probe: ChildProcess?
    private var connection: HTTPClientConnection?
    private var tcp: TCPConnection?
    private var round = 0
    private var healthy: Bool?
    private var everHealthy = false
    private var failures = 0
    private var stopped = false

    public init(loop: Loop, clock: any LoopClock, check: HealthCheck, sandbox: String, environment: [String: String],
         onChange: @escaping (Bool) -> Void, onUnhealthy: @escaping (String) -> Void) {
        self.loop = loop
        self.clock = clock
        started = clock.now
        self.check = check
        self.sandbox = sandbox
        self.environment = environment
        self.onChange = onChange
        self.onUnhealthy = onUnhealthy
    }

    public func start() {
        do {
            timer = try LoopTimer(loop: loop)
        } catch {
            onTimerFailure(error)
        }
        let delay = Bounds.duration(seconds: check.delaySeconds ?? 15)
        let interval = Bounds.duration(seconds: max(check.intervalSeconds ?? 10, 0.05))
        timer?.start(after: delay, repeating: interval) { [weak self] in self?.runCheck() }
    }

    public func stop() {
        stopped = true
        timer?.close()
        timer = nil
        finishRound()
    }

    private func runCheck() {
        guard !stopped, probe == nil, connection == nil, tcp == nil else { return }
        round += 1
        let thisRound = round
        let seconds = check.timeoutSeconds ?? 20
        if seconds > 0 {
            timeout = loop.schedule(after: Bounds.duration(seconds: seconds), orReport: onTimerFailure) { [weak self] in
                self?.record(false, "timed out after \(seconds)s", round: thisRound)
            }
        }
        switch check.type {
        case .command?:
            guard let line = check.command?.value else { return record(false, "no command", round: thisRound) }
            let spec = ProcessSpec(command: (check.command?.isShell ?? true) ? .shell(line) : .argv([line] + (check.command?.arguments.dropFirst() ?? [])),
                                   environment: environment, workingDirectory: sandbox)
            probe = try? ChildProcess.spawn(loop: loop, spec) { [weak self] exit in
                self?.record(exit.succeeded, "command \(exit)", round: thisRound)
            }
            if probe == nil { record(false, "cannot start the check command", round: thisRound) }
        case .http?:
            guard let http = check.http else { return record(false, "no http check", round: thisRound) }
            HTTPClientConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: UInt16(http.port))) {
                [weak self] result in
                guard let self else { return }
                switch result {
                case .failure(let error):
                    self.record(false, error.message, round: thisRound)
                case .success(let connection):
                    self.connection = connection
                    connection.send(HTTPRequest(method: .get, target: http.path ?? "/", keepAlive: false)) { [weak self] response in
                        guard case .success(let response) = response else {
                            self?.record(false, "no HTTP answer", round: thisRound)
                            return
                        }
                        let code = UInt32(response.status.rawValue)
                        let good = http.statuses.isEmpty ? (200..<400).contains(code) : http.statuses.contains(code)
                        self?.record(good, "HTTP \(code)", round: thisRound)
                    }
                }
            }
        case .tcp?:
            guard let port = check.tcp?.port else { return record(false, "no tcp check", round: thisRound) }
            do {
                try TCPConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: UInt16(port))) {
                    [weak self] result in
                    if case .success(let connection) = result { self?.tcp = connection }
                    self?.record(result.isSuccess, "TCP connect to \(port)", round: thisRound)
                }
            } catch {
                record(false, "\(error)", round: thisRound)
            }
        case .unknown?, nil:
            record(false, "unknown health check type", round: thisRound)
        }
    }

    private func record(_ passed: Bool, _ detail: String, round thisRound: Int) {
        guard thisRound == round else { return }
        round += 1
        finishRound()
        guard !stopped else { return }
        if passed {
            everHealthy = true
            failures = 0
        } else {
            let inGrace = !everHealthy
                && clock.now - started < (check.gracePeriodSeconds ?? 10)
            if inGrace { return }
            failures += 1
        }
        if healthy != passed {
            healthy = passed
            onChange(passed)
        }
        if !passed && failures >= Int(check.consecutiveFailures ?? 3) {
            stop()
            onUnhealthy("health check failed \(failures) times in a row (last: \(detail))")
        }
    }

    private func finishRound() {
        timeout?.close()
        timeout = nil
        try? probe?.killGroup(.kill)
        probe = nil
        connection?.close()
        connection = nil
        tcp?.close()
        tcp = nil
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

internal import CLibUV

/// A POSIX signal number.
public struct Signal: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let terminate = Signal(rawValue: agora_sigterm())
    public static let interrupt = Signal(rawValue: agora_sigint())
    public static let kill = Signal(rawValue: agora_sigkill())
    public static let hangup = Signal(rawValue: agora_sighup())
    public static let userDefined2 = Signal(rawValue: agora_sigusr2())

    public var description: String {
        switch self {
        case .terminate: "SIGTERM"
        case .interrupt: "SIGINT"
        case .kill: "SIGKILL"
        case .hangup: "SIGHUP"
        case .userDefined2: "SIGUSR2"
        default: "signal \(rawValue)"
        }
    }
}

/// Watches one signal on a loop and calls back on the loop's thread.
public final class SignalWatcher: LoopHandle {
    private var handler: ((Signal) -> Void)?

    public init(loop: Loop) throws(RuntimeError) {
        super.init(loop: loop, type: UV_SIGNAL)
        try check(uv_signal_init(loop.raw, raw), "uv_signal_init")
        didOpen()
    }

    var raw: UnsafeMutablePointer<uv_signal_t> { memory.assumingMemoryBound(to: uv_signal_t.self) }

    public func start(_ signal: Signal, _ handler: @escaping (Signal) -> Void) throws(RuntimeError) {
        self.handler = handler
        try check(uv_signal_start(raw, { watcher, number in
            SignalWatcher.owner(watcher.map(UnsafeMutableRawPointer.init), as: SignalWatcher.self)?
                .handler?(Signal(rawValue: number))
        }, signal.rawValue), "uv_signal_start")
    }

    override func didClose() { handler = nil }
}

extension Loop {
    /// Calls `stop` once on SIGTERM or SIGINT; returns the watchers so the caller can close them.
    /// The watchers do not keep the loop alive on their own.
    public func onTerminationSignal(_ stop: @escaping (Signal) -> Void) throws(RuntimeError) -> [SignalWatcher] {
        var watchers: [SignalWatcher] = []
        for signal in [Signal.terminate, .interrupt] {
            let watcher = try SignalWatcher(loop: self)
            try watcher.start(signal, stop)
            watcher.setKeepsLoopAlive(false)
            watchers.append(watcher)
        }
        return watchers
    }
}

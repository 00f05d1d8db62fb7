/// How events become a stream's records, and where one that cannot be encoded is reported (it is then skipped). One
/// encoder can serve every stream of the same encoding: a daemon with ten thousand subscribers then holds one, not a
/// pair of closures per subscriber.
public final class EventEncoder<Event> {
    fileprivate let encode: (Event) throws -> [UInt8]
    fileprivate let onFailure: (Event, any Error) -> Void

    public init(encode: @escaping (Event) throws -> [UInt8], onFailure: @escaping (Event, any Error) -> Void) {
        self.encode = encode
        self.onFailure = onFailure
    }
}

/// A subscriber's open response (Mesos' event streams: schedulers, agents, executors): each event goes out RecordIO
/// framed, encoded by its `EventEncoder` in the subscriber's format.
public final class EventStream<Event> {
    private let stream: HTTPResponseStream
    private let encoder: EventEncoder<Event>

    public init(stream: HTTPResponseStream, encoder: EventEncoder<Event>) {
        self.stream = stream
        self.encoder = encoder
    }

    public var isOpen: Bool { stream.isOpen }

    /// Where the events sent so far end (`HTTPResponseStream.position`).
    public var position: Int? { stream.position }

    /// Whether the events sent before `position` have left this process: later copies of them need not follow yet.
    public func hasSent(upTo position: Int) -> Bool { stream.hasSent(upTo: position) }

    /// Called once if the subscriber disconnects.
    public var onClose: (() -> Void)? {
        get { stream.onClose }
        set { stream.onClose = newValue }
    }

    public func send(_ event: Event) {
        do {
            stream.writeRecord(try encoder.encode(event))
        } catch {
            encoder.onFailure(event, error)
        }
    }

    /// Ends the stream without notifying `onClose`.
    public func close() {
        stream.onClose = nil
        stream.finish()
    }
}

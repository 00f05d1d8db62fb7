/// A subscriber's open response (Mesos' event streams: schedulers, agents, executors): each event goes out RecordIO
/// framed, encoded by `encode` in the subscriber's format; one that cannot be encoded goes to `onEncodingFailure`
/// and is skipped.
public final class EventStream<Event> {
    private let stream: HTTPResponseStream
    private let encode: (Event) throws -> [UInt8]
    private let onEncodingFailure: (Event, any Error) -> Void

    public init(stream: HTTPResponseStream, encode: @escaping (Event) throws -> [UInt8],
                onEncodingFailure: @escaping (Event, any Error) -> Void) {
        self.stream = stream
        self.encode = encode
        self.onEncodingFailure = onEncodingFailure
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
            stream.write(RecordIO.encode(try encode(event)))
        } catch {
            onEncodingFailure(event, error)
        }
    }

    /// Ends the stream without notifying `onClose`.
    public func close() {
        stream.onClose = nil
        stream.finish()
    }
}

import AgoraHTTP
import AgoraWire
import Logging

/// A subscriber's open response: messages go out RecordIO framed in the subscriber's encoding.
final class EventStream {
    let format: WireFormat
    private let stream: HTTPResponseStream
    private let logger: Logger

    init(stream: HTTPResponseStream, format: WireFormat, logger: Logger) {
        self.stream = stream
        self.format = format
        self.logger = logger
    }

    var isOpen: Bool { stream.isOpen }

    /// Called once if the subscriber disconnects.
    var onClose: (() -> Void)? {
        get { stream.onClose }
        set { stream.onClose = newValue }
    }

    func send<M: WireMessage>(_ message: M) {
        do {
            stream.write(RecordIO.encode(try message.encoded(as: format)))
        } catch {
            logger.error("cannot encode \(M.protoName) for a subscriber: \(error)")
        }
    }

    /// Ends the stream without notifying `onClose`.
    func close() {
        stream.onClose = nil
        stream.finish()
    }
}

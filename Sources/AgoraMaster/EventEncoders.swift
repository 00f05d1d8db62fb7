import AgoraHTTP
import AgoraWire
import Logging

/// The master's encoder of `Event` for each wire format, shared by every stream that carries it; an event that
/// cannot be encoded is logged and skipped.
struct EventEncoders<Event: WireMessage> {
    private let json: EventEncoder<Event>
    private let protobuf: EventEncoder<Event>

    init(logger: Logger) {
        func encoder(_ format: WireFormat) -> EventEncoder<Event> {
            EventEncoder(encode: { try $0.encoded(as: format) }, onFailure: { _, error in
                logger.error("cannot encode \(Event.protoName) for a subscriber: \(error)")
            })
        }
        json = encoder(.json)
        protobuf = encoder(.protobuf)
    }

    subscript(format: WireFormat) -> EventEncoder<Event> {
        switch format {
        case .json: json
        case .protobuf: protobuf
        }
    }
}

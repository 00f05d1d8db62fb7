/// The body of a streamed request, handed to its handler piece by piece while the response is already under way:
/// a subscriber that sends its calls as RecordIO records on the connection of its own event stream
/// (`Content-Type: application/recordio`, chunked, as Mesos' streamed calls). Only routes that accept it see one
/// (`Router.acceptStreamedBodies`); the connection serves nothing else and closes when the response ends.
public final class HTTPRequestBody {
    /// The media type that asks for a streamed body.
    public static let mediaType = "application/recordio"

    /// Each piece of the body as it arrives.
    public var onData: ([UInt8]) -> Void = { _ in }
    /// Called once: nil when the client ended the body, else why it stopped (the connection closed or broke).
    public var onEnd: (HTTPError?) -> Void = { _ in }
    private var ended = false

    init() {}

    /// Whether a request with `headers` streams its body: RecordIO records in a chunked body.
    static func isStreamed(_ headers: HTTPHeaders) -> Bool {
        guard let encoding = headers["Transfer-Encoding"], encoding.lowercased().contains("chunked") else { return false }
        return headers.mediaType("Content-Type") == mediaType
    }

    func deliver(_ bytes: [UInt8]) {
        guard !ended else { return }
        onData(bytes)
    }

    func end(_ error: HTTPError?) {
        guard !ended else { return }
        ended = true
        let callback = onEnd
        onData = { _ in }
        onEnd = { _ in }
        callback(error)
    }
}

/// Frames bytes as one chunk of a chunked body (an empty chunk would end the body, so callers skip empty writes).
enum HTTPChunk {
    static func frame(_ bytes: [UInt8]) -> [UInt8] { frame(bytes, asRecord: false) }

    /// One chunk; with `asRecord`, holding `bytes` as one RecordIO record. Built in one allocation: an event framed
    /// twice (record, then chunk) was two more arrays and two more copies of it.
    static func frame(_ bytes: [UInt8], asRecord: Bool) -> [UInt8] {
        let payload = (asRecord ? RecordIO.prefixLength(of: bytes) : 0) + bytes.count
        var chunk: [UInt8] = []
        chunk.reserveCapacity(ASCIINumber.digits(payload, radix: 16) + 2 + payload + 2)
        ASCIINumber.append(payload, radix: 16, to: &chunk)
        chunk.append(13)
        chunk.append(10)
        if asRecord { RecordIO.appendPrefix(of: bytes, to: &chunk) }
        chunk.append(contentsOf: bytes)
        chunk.append(13)
        chunk.append(10)
        return chunk
    }

    /// The last chunk, which ends a chunked body.
    static let last = Array("0\r\n\r\n".utf8)
}

internal import CHTTPParser

/// Incremental HTTP/1.1 parser over http-parser, for requests (server side) or responses (client side).
///
/// The C parser's `data` points at this object unretained: callbacks only run inside `feed`,
/// while the object is alive by construction.
final class HTTPMessageParser {
    enum Kind { case request, response }

    /// The start line and headers of one message.
    struct Head {
        var method: HTTPMethod
        var target: String
        var status: HTTPStatus
        var headers: HTTPHeaders
        var keepAlive: Bool
    }

    /// Receives the parts of each message. It owns the parser (callbacks only run inside its calls to `feed`), so the
    /// parser does not keep it alive; one reference here instead of a closure (and its context) per callback.
    unowned var delegate: (any HTTPMessageParserDelegate)?

    private let parser: UnsafeMutablePointer<http_parser>
    private let maxHeaderBytes: Int
    private let maxBodyBytes: Int?
    // The flags sit beside the optional's one-byte tag, in the padding that follows it.
    /// Whether a message has started and not yet completed (a truncated request leaves this true).
    private(set) var isMidMessage = false
    /// Set from `parsedHead` for a message whose body is handed on as it arrives (a streamed request): no total bounds it.
    var bodyIsStreamed = false
    /// http-parser may split a name or value across calls; a name arriving after a value starts the next header.
    private var readingValue = false

    private var url: [UInt8] = []
    private var headers = HTTPHeaders()
    private var field: [UInt8] = []
    private var value: [UInt8] = []
    private var headerBytes = 0
    private var bodyBytes = 0
    /// The error that stopped parsing, boxed: a connection keeps a parser for hours and almost never fails.
    private var failure: Failure?

    /// `maxBodyBytes` nil means unlimited (a client streaming an event feed).
    init(kind: Kind, maxHeaderBytes: Int, maxBodyBytes: Int?) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        parser = .allocate(capacity: 1)
        http_parser_init(parser, kind == .request ? HTTP_REQUEST : HTTP_RESPONSE)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
    }

    /// The callbacks, the same for every parser (each finds its object through `data`): made once, never changed.
    private nonisolated(unsafe) static let settings: UnsafeMutablePointer<http_parser_settings> = {
        let settings = UnsafeMutablePointer<http_parser_settings>.allocate(capacity: 1)
        http_parser_settings_init(settings)
        settings.pointee.on_message_begin = { parser in HTTPMessageParser.from(parser).messageBegin() }
        settings.pointee.on_url = { parser, bytes, count in HTTPMessageParser.from(parser).url(bytes, count) }
        settings.pointee.on_header_field = { parser, bytes, count in
            HTTPMessageParser.from(parser).headerField(bytes, count)
        }
        settings.pointee.on_header_value = { parser, bytes, count in
            HTTPMessageParser.from(parser).headerValue(bytes, count)
        }
        settings.pointee.on_headers_complete = { parser in HTTPMessageParser.from(parser).headersComplete() }
        settings.pointee.on_body = { parser, bytes, count in HTTPMessageParser.from(parser).body(bytes, count) }
        settings.pointee.on_message_complete = { parser in HTTPMessageParser.from(parser).messageComplete() }
        return settings
    }()

    private static func from(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPMessageParser {
        Unmanaged<HTTPMessageParser>.fromOpaque(parser!.pointee.data).takeUnretainedValue()
    }

    /// Parses `bytes`; callbacks fire for every complete part. Throws on the first invalid byte.
    func feed(_ bytes: [UInt8]) throws(HTTPError) {
        if let failure { throw failure.error }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { http_parser_execute(parser, Self.settings, $0.baseAddress, $0.count) }
        }
        try checkAfterExecute(parsed: parsed, expected: bytes.count)
    }

    /// Tells the parser the peer closed; completes a response whose body runs to end of stream.
    func finish() throws(HTTPError) {
        if let failure { throw failure.error }
        let parsed = http_parser_execute(parser, Self.settings, nil, 0)
        try checkAfterExecute(parsed: parsed, expected: 0)
    }

    private func checkAfterExecute(parsed: Int, expected: Int) throws(HTTPError) {
        if let failure { throw failure.error }
        let errno = agora_http_errno(parser)
        if errno != HPE_OK.rawValue {
            let error = http_errno(rawValue: errno)
            let name = String(cString: http_errno_name(error))
            let text = String(cString: http_errno_description(error))
            throw fail(HTTPError(.malformed, "\(text) (\(name))"))
        }
        if agora_http_upgrade(parser) != 0 {
            throw fail(HTTPError(.unsupported, "protocol upgrades are not supported"))
        }
        if parsed != expected {
            throw fail(HTTPError(.malformed, "unparsed bytes after message"))
        }
    }

    /// Records `error` as the end of parsing and returns it.
    private func fail(_ error: HTTPError) -> HTTPError {
        failure = Failure(error)
        return error
    }

    /// Records `error` for `feed` to throw; the value a C callback returns to stop http-parser.
    private func stop(_ error: HTTPError) -> Int32 {
        _ = fail(error)
        return 1
    }

    private func countHeaderBytes(_ count: Int) -> Int32 {
        headerBytes += count
        if headerBytes > maxHeaderBytes {
            return stop(HTTPError(.headersTooLarge, "request line and headers exceed \(maxHeaderBytes) bytes"))
        }
        return 0
    }

    private func messageBegin() -> Int32 {
        isMidMessage = true
        // Trailers of a chunked message arrive as header fields after the head: none may reach the next message.
        url.removeAll()
        headers = HTTPHeaders()
        field.removeAll()
        value.removeAll()
        readingValue = false
        headerBytes = 0
        bodyBytes = 0
        bodyIsStreamed = false
        return 0
    }

    private func url(_ bytes: UnsafePointer<CChar>?, _ count: Int) -> Int32 {
        append(bytes, count, to: &url)
        return countHeaderBytes(count)
    }

    private func headerField(_ bytes: UnsafePointer<CChar>?, _ count: Int) -> Int32 {
        if readingValue { flushHeader() }
        append(bytes, count, to: &field)
        return countHeaderBytes(count)
    }

    private func headerValue(_ bytes: UnsafePointer<CChar>?, _ count: Int) -> Int32 {
        readingValue = true
        append(bytes, count, to: &value)
        return countHeaderBytes(count)
    }

    private func flushHeader() {
        if !field.isEmpty {
            headers.add(String(decoding: field, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
        field.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        readingValue = false
    }

    private func headersComplete() -> Int32 {
        flushHeader()
        let length = parser.pointee.content_length
        if let maxBodyBytes, length != UInt64.max, length > UInt64(maxBodyBytes) {
            return stop(HTTPError(.bodyTooLarge, "body of \(length) bytes exceeds the limit of \(maxBodyBytes)"))
        }
        let method = HTTPMethod(rawValue: String(cString: http_method_str(http_method(agora_http_method(parser)))))
        let head = Head(
            method: method,
            target: String(decoding: url, as: UTF8.self),
            status: HTTPStatus(Int(agora_http_status(parser))),
            headers: headers,
            keepAlive: http_should_keep_alive(parser) != 0)
        // What the head was read into goes now, not at the next message: a connection that then streams for hours
        // (an agent's or a framework's subscription) keeps none of it.
        url = []
        field = []
        value = []
        headers = HTTPHeaders()
        let expectsBody = delegate?.parsedHead(head) ?? true
        // Returning 1 tells http-parser the message has no body.
        return expectsBody ? 0 : 1
    }

    private func body(_ bytes: UnsafePointer<CChar>?, _ count: Int) -> Int32 {
        bodyBytes += count
        if !bodyIsStreamed, let maxBodyBytes, bodyBytes > maxBodyBytes {
            return stop(HTTPError(.bodyTooLarge, "body exceeds the limit of \(maxBodyBytes) bytes"))
        }
        guard let bytes else { return 0 }
        delegate?.parsedBody(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        return 0
    }

    private func messageComplete() -> Int32 {
        isMidMessage = false
        delegate?.parsedMessage(keepAlive: http_should_keep_alive(parser) != 0)
        return 0
    }

    private func append(_ bytes: UnsafePointer<CChar>?, _ count: Int, to buffer: inout [UInt8]) {
        guard let bytes, count > 0 else { return }
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
    }
}

/// What receives a parsed message: its head, the pieces of its body as they arrive, its end.
protocol HTTPMessageParserDelegate: AnyObject {
    /// Returns false when the message has no body despite its headers (a response to HEAD).
    func parsedHead(_ head: HTTPMessageParser.Head) -> Bool
    func parsedBody(_ bytes: [UInt8])
    func parsedMessage(keepAlive: Bool)
}

extension HTTPMessageParser {
    /// A parsing error, kept in a box of its own.
    private final class Failure {
        let error: HTTPError
        init(_ error: HTTPError) { self.error = error }
    }
}

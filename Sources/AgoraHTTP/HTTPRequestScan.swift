/// Parses a byte stream as a server would, for fuzzing and tools: requests fed in `pieces` (as they arrive from a
/// socket) with the server's limits, a streamed body (`HTTPRequestBody`) unbounded as a whole as the server reads it;
/// returns how many complete requests were read, or the error that stopped it.
public func scanHTTPRequests(_ pieces: [[UInt8]], limits: HTTPServer.Limits = HTTPServer.Limits()) -> Result<Int, HTTPError> {
    let counter = RequestCounter(limits: limits)
    do {
        for piece in pieces { try counter.parser.feed(piece) }
        try counter.parser.finish()
        return .success(counter.complete)
    } catch {
        return .failure(error)
    }
}

/// Counts the requests a parser completes, reading a streamed body as the server does.
private final class RequestCounter: HTTPMessageParserDelegate {
    let parser: HTTPMessageParser
    private(set) var complete = 0

    init(limits: HTTPServer.Limits) {
        parser = HTTPMessageParser(kind: .request, maxHeaderBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes)
        parser.delegate = self
    }

    func parsedHead(_ head: HTTPMessageParser.Head) -> Bool {
        parser.bodyIsStreamed = HTTPRequestBody.isStreamed(head.headers)
        return true
    }

    func parsedBody(_ bytes: [UInt8]) {}

    func parsedMessage(keepAlive: Bool) { complete += 1 }
}

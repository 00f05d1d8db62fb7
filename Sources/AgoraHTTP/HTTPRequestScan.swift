/// Parses a byte stream as a server would, for fuzzing and tools: requests fed in `pieces` (as they arrive from a
/// socket) with the server's limits, a streamed body (`HTTPRequestBody`) unbounded as a whole as the server reads it;
/// returns how many complete requests were read, or the error that stopped it.
public func scanHTTPRequests(_ pieces: [[UInt8]], limits: HTTPServer.Limits = HTTPServer.Limits()) -> Result<Int, HTTPError> {
    let parser = HTTPMessageParser(kind: .request, maxHeaderBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes)
    var complete = 0
    parser.onHead = { [unowned parser] head in
        parser.bodyIsStreamed = HTTPRequestBody.isStreamed(head.headers)
        return true
    }
    parser.onComplete = { _ in complete += 1 }
    do {
        for piece in pieces { try parser.feed(piece) }
        try parser.finish()
        return .success(complete)
    } catch {
        return .failure(error)
    }
}

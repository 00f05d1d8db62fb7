import AgoraHTTP
import AgoraWire

/// A call that cannot be served, with the HTTP status and the message Mesos gives for it.
struct CallRejection: Error {
    let status: HTTPStatus
    let message: String

    var response: HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: message)
    }
}

extension HTTPRequest {
    /// The body's encoding from `Content-Type`.
    func wireFormat() throws(CallRejection) -> WireFormat {
        guard let type = headers["Content-Type"] else {
            throw CallRejection(status: .unsupportedMediaType,
                                message: "Expecting 'Content-Type' to be present")
        }
        guard let format = WireFormat(contentType: type) else {
            throw CallRejection(status: .unsupportedMediaType,
                                message: "Expecting 'Content-Type' of application/json or application/x-protobuf")
        }
        return format
    }

    /// The encoding a streaming response should use: `Accept` when it names one, else the request's own.
    func responseFormat(default format: WireFormat) throws(CallRejection) -> WireFormat {
        guard let accept = headers["Accept"], !accept.isEmpty else { return format }
        let types = accept.split(separator: ",").map { String($0) }
        for type in types {
            if let known = WireFormat(contentType: type) { return known }
            let bare = type.split(separator: ";").first.map { $0.filter { $0 != " " } } ?? ""
            if bare == "*/*" || bare == "application/*" { return format }
        }
        throw CallRejection(status: .notAcceptable,
                            message: "Expecting 'Accept' to allow application/json or application/x-protobuf")
    }

    /// Decodes the body as `M`; a bad body is a 400 naming the field at fault.
    func decode<M: WireMessage>(_ type: M.Type, as format: WireFormat) throws(CallRejection) -> M {
        do {
            return try M(decoding: body, as: format)
        } catch {
            throw CallRejection(status: .badRequest, message: "Failed to parse body into \(M.protoName): \(error)")
        }
    }
}

/// Maps method + path to handlers; answers 404 and 405 with the Agora error body.
///
/// A path ending in `/*` matches everything under it; the longest such prefix wins.
public final class Router {
    public typealias Handler = (HTTPRequest, HTTPResponder) -> Void

    private var exact: [String: [HTTPMethod: Handler]] = [:]
    private var prefixes: [(prefix: String, handlers: [HTTPMethod: Handler])] = []
    /// The exact paths whose handlers read streamed request bodies (`HTTPResponder.requestBody`).
    private var streamingPaths: Set<String> = []

    /// Runs before every handler; a response it returns is sent instead (authentication).
    public var gate: ((HTTPRequest) -> HTTPResponse?)?

    public init() {}

    /// Registers a handler that answers through the responder (possibly later, possibly streaming).
    public func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        if path.hasSuffix("/*") {
            let prefix = String(path.dropLast())
            if let index = prefixes.firstIndex(where: { $0.prefix == prefix }) {
                prefixes[index].handlers[method] = handler
            } else {
                prefixes.append((prefix, [method: handler]))
                prefixes.sort { $0.prefix.count > $1.prefix.count }
            }
        } else {
            exact[path, default: [:]][method] = handler
        }
    }

    /// Registers a handler that computes its response at once.
    public func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping (HTTPRequest) -> HTTPResponse) {
        add(method, path) { (request: HTTPRequest, responder: HTTPResponder) in responder.send(handler(request)) }
    }

    /// Lets the handlers of `path` take requests whose body is streamed (`HTTPRequestBody`); elsewhere such a request
    /// is refused with 415.
    public func acceptStreamedBodies(on path: String) {
        streamingPaths.insert(path)
    }

    public func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        if let refusal = gate?(request) {
            responder.send(refusal)
            return
        }
        let path = request.path
        if responder.requestBody != nil && !streamingPaths.contains(path) {
            responder.send(.error(.unsupportedMediaType, "a streamed request body (\(HTTPRequestBody.mediaType)) is not accepted by \(path)"))
            return
        }
        let candidates = exact[path] ?? prefixes.first { path.hasPrefix($0.prefix) }?.handlers
        guard let candidates else {
            responder.send(.error(.notFound, "no such endpoint: \(path)"))
            return
        }
        if let handler = candidates[request.method] ?? (request.method == .head ? candidates[.get] : nil) {
            handler(request, responder)
            return
        }
        let allowed = candidates.keys.map(\.rawValue).sorted().joined(separator: ", ")
        var response = HTTPResponse.error(.methodNotAllowed, "\(request.method) is not allowed on \(path); use \(allowed)")
        response.headers["Allow"] = allowed
        responder.send(response)
    }
}

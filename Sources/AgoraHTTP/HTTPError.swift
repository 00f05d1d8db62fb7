import AgoraRuntime

/// Why an HTTP exchange failed, with a stable code, a message for the operator and the cause below it.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// Stable failure kinds.
    public enum Code: String, Sendable {
        /// The peer sent bytes that are not valid HTTP/1.1.
        case malformed
        /// The request line and headers exceeded the configured limit.
        case headersTooLarge
        /// The body exceeded the configured limit.
        case bodyTooLarge
        /// Nothing arrived within the idle timeout.
        case timedOut
        /// The connection closed before the exchange completed.
        case connectionClosed
        /// Connecting or writing failed in the transport.
        case transport
        /// A feature Agora does not speak (for example protocol upgrades).
        case unsupported
    }

    public let code: Code
    public let message: String
    public let cause: RuntimeError?

    public init(_ code: Code, _ message: String, cause: RuntimeError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The status a server answers with when a request fails this way.
    public var status: HTTPStatus {
        switch code {
        case .malformed, .connectionClosed, .transport: .badRequest
        case .headersTooLarge: .headerFieldsTooLarge
        case .bodyTooLarge: .payloadTooLarge
        case .timedOut: .requestTimeout
        case .unsupported: .notImplemented
        }
    }

    public var description: String {
        cause.map { "\(code.rawValue): \(message) (\($0))" } ?? "\(code.rawValue): \(message)"
    }
}

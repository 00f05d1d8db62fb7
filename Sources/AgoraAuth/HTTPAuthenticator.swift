import AgoraHTTP
import AgoraWire

/// Checks the `Authorization` header of a request against the credentials: HTTP Basic (`principal:secret`) or
/// a bearer token (a principal's secret). When authentication is off every request passes without a principal.
public struct HTTPAuthenticator: Sendable {
    /// The credentials requests are checked against; nil turns authentication off.
    public let credentials: Credentials?
    /// The realm named in `WWW-Authenticate`.
    public let realm: String

    public init(credentials: Credentials?, realm: String = "agora") {
        self.credentials = credentials
        self.realm = realm
    }

    /// Authentication that lets everything through.
    public static let off = HTTPAuthenticator(credentials: nil)

    public var isOn: Bool { credentials != nil }

    /// The authenticated principal (nil when authentication is off), or the 401 to answer.
    public func principal(of request: HTTPRequest) throws(AuthRejection) -> String? {
        guard let credentials else { return nil }
        guard let header = request.headers["Authorization"] else {
            throw AuthRejection.unauthenticated("Authentication required: send HTTP Basic credentials or a bearer token",
                                                realm: realm)
        }
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw AuthRejection.unauthenticated("Malformed 'Authorization' header", realm: realm) }
        switch parts[0].lowercased() {
        case "basic":
            guard let decoded = Base64.decode(parts[1].trimmingCharacters(in: " ")),
                  let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                throw AuthRejection.unauthenticated("Malformed HTTP Basic credentials", realm: realm)
            }
            let principal = String(decoding: decoded[..<colon], as: UTF8.self)
            guard credentials.verify(principal: principal, secret: Array(decoded[(colon + 1)...])) else {
                throw AuthRejection.unauthenticated("Wrong principal or secret", realm: realm)
            }
            return principal
        case "bearer":
            guard let principal = credentials.principal(forToken: Array(parts[1].trimmingCharacters(in: " ").utf8)) else {
                throw AuthRejection.unauthenticated("Unknown bearer token", realm: realm)
            }
            return principal
        default:
            throw AuthRejection.unauthenticated("Unsupported authentication scheme '\(parts[0])'", realm: realm)
        }
    }
}

/// Why a request was refused: not authenticated (401) or not allowed (403), with a message for the body.
public enum AuthRejection: Error, Sendable {
    case unauthenticated(String, realm: String)
    case forbidden(String)

    /// Why the request was refused.
    public var message: String {
        switch self {
        case .unauthenticated(let message, _), .forbidden(let message): message
        }
    }

    /// The HTTP answer: 401 with `WWW-Authenticate`, or 403, and `{"message": …}`.
    public var response: HTTPResponse {
        switch self {
        case .unauthenticated(let message, let realm):
            var response = HTTPResponse.error(.unauthorized, message)
            response.headers["WWW-Authenticate"] = "Basic realm=\"\(realm)\""
            return response
        case .forbidden(let message):
            return .error(.forbidden, message)
        }
    }

    /// `unauthenticated` or `forbidden`, for metrics labels.
    public var kind: String {
        switch self {
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

/// Guards a whole API: every request but the open paths must authenticate; refusals are counted for `/metrics`.
public final class AuthGate {
    public let authenticator: HTTPAuthenticator
    private let openPaths: Set<String>
    /// Requests refused so far.
    public private(set) var refusals = 0

    public init(_ authenticator: HTTPAuthenticator, openPaths: Set<String> = ["/ping", "/health"]) {
        self.authenticator = authenticator
        self.openPaths = openPaths
    }

    /// nil when `request` may go on; otherwise the 401 to answer.
    public func check(_ request: HTTPRequest) -> HTTPResponse? {
        guard authenticator.isOn, !openPaths.contains(request.path) else { return nil }
        do {
            _ = try authenticator.principal(of: request)
            return nil
        } catch {
            refusals += 1
            return error.response
        }
    }

    /// Puts this gate in front of every route of `router`.
    public func install(on router: Router) {
        router.gate = { [unowned self] request in self.check(request) }
    }
}

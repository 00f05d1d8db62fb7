import AgoraRuntime
import AgoraWire

/// Principals and their secrets, read from a file in Mesos' credentials format:
/// `{"credentials": [{"principal": "ops", "secret": "…"}]}`. Secrets are never printed.
public struct Credentials: Sendable, CustomStringConvertible {
    private let secrets: [String: [UInt8]]

    /// Every principal in the file.
    public var principals: Set<String> { Set(secrets.keys) }

    public init(_ pairs: [(principal: String, secret: String)]) {
        secrets = Dictionary(pairs.map { ($0.principal, Array($0.secret.utf8)) }, uniquingKeysWith: { $1 })
    }

    /// Reads `path`; a missing file, bad JSON, an empty principal or secret, or a repeated principal is an error.
    public init(file path: String) throws(AuthConfigurationError) {
        guard let data = try? Files.read(path).bytes else {
            throw AuthConfigurationError("cannot read credentials file \(path)")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw AuthConfigurationError("credentials file \(path) is not JSON: \(error)")
        }
        guard case .array(let items)? = json["credentials"] else {
            throw AuthConfigurationError("credentials file \(path) needs {\"credentials\": [{\"principal\", \"secret\"}]}")
        }
        var pairs: [(String, String)] = []
        for (index, item) in items.enumerated() {
            guard case .string(let principal)? = item["principal"], !principal.isEmpty,
                  case .string(let secret)? = item["secret"], !secret.isEmpty else {
                throw AuthConfigurationError("credentials file \(path): entry \(index) needs a non-empty principal and secret")
            }
            guard !pairs.contains(where: { $0.0 == principal }) else {
                throw AuthConfigurationError("credentials file \(path): principal '\(principal)' appears twice")
            }
            pairs.append((principal, secret))
        }
        self.init(pairs)
    }

    /// Whether `secret` is the principal's, compared in constant time.
    public func verify(principal: String, secret: [UInt8]) -> Bool {
        guard let expected = secrets[principal] else { return false }
        return constantTimeEqual(expected, secret)
    }

    /// The principal whose secret is `token` (bearer tokens are the secret itself).
    public func principal(forToken token: [UInt8]) -> String? {
        var found: String?
        for (principal, secret) in secrets where constantTimeEqual(secret, token) { found = principal }
        return found
    }

    public var description: String { "Credentials(\(secrets.keys.sorted().joined(separator: ", ")))" }
}

/// One principal and secret that a client presents (an agent's `--credential`, a framework's `--principal`).
public struct Credential: Sendable {
    public let principal: String
    public let secret: String

    public init(principal: String, secret: String) {
        self.principal = principal
        self.secret = secret
    }

    /// Reads Mesos' single-credential file, `{"principal": "…", "secret": "…"}`.
    public init(file path: String) throws(AuthConfigurationError) {
        guard let data = try? Files.read(path).bytes,
              let json = try? JSONValue.parse(data),
              case .string(let principal)? = json["principal"], !principal.isEmpty,
              case .string(let secret)? = json["secret"], !secret.isEmpty else {
            throw AuthConfigurationError("credential file \(path) must be {\"principal\": \"…\", \"secret\": \"…\"}")
        }
        self.init(principal: principal, secret: secret)
    }

    /// The `Authorization` header value for HTTP Basic.
    public var authorizationHeader: String {
        "Basic " + Base64.encode(Array("\(principal):\(secret)".utf8))
    }
}

/// A credentials or ACL file that cannot be used.
public struct AuthConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Whether two secrets are equal, taking the same time whatever bytes differ (no timing hints to a guesser).
public func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
    for index in 0..<max(lhs.count, rhs.count) {
        difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
    }
    return difference == 0
}

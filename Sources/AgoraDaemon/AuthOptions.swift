import AgoraAuth
import Foundation
import ArgumentParser

/// Reads the credentials and ACL files named by flags, turning their problems into flag errors.
public enum AuthFiles {
    public static func credentials(_ path: String?) throws -> Credentials? {
        guard let path else { return nil }
        do { return try Credentials(file: path) } catch { throw ValidationError(error.description) }
    }

    public static func credential(_ path: String?) throws -> Credential? {
        guard let path else { return nil }
        do { return try Credential(file: path) } catch { throw ValidationError(error.description) }
    }

    public static func acls(_ path: String?) throws -> ACLs {
        guard let path else { return ACLs() }
        do { return try ACLs(file: path) } catch { throw ValidationError(error.description) }
    }
}

/// The flags a framework daemon (services, cron) takes to authenticate to the master and to protect its own API.
public struct FrameworkAuthOptions: ParsableArguments {
    @Option(name: .customLong("principal"), help: "Principal the framework authenticates to the master as.")
    public var principal: String?

    @Option(name: .customLong("secret-file"), help: "File holding the principal's secret (first line).")
    public var secretFile: String?

    @Flag(name: .customLong("authenticate-http"), help: "Require HTTP Basic or a bearer token on the API (needs --credentials).")
    public var authenticateHTTP = false

    @Option(name: .customLong("credentials"), help: "Credentials file (Mesos' JSON format) for --authenticate-http.")
    public var credentialsFile: String?

    public init() {}

    public func validate() throws {
        if (principal == nil) != (secretFile == nil) { throw ValidationError("--principal and --secret-file go together") }
        if authenticateHTTP && credentialsFile == nil { throw ValidationError("--authenticate-http needs --credentials") }
    }

    /// The credential presented to the master, if any.
    public func credential() throws -> Credential? {
        guard let principal, let secretFile else { return nil }
        guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8),
              let secret = text.split(separator: "\n").first.map(String.init), !secret.isEmpty else {
            throw ValidationError("cannot read a secret from --secret-file \(secretFile)")
        }
        return Credential(principal: principal, secret: secret)
    }

    /// The API's authenticator (off unless --authenticate-http).
    public func authenticator() throws -> HTTPAuthenticator {
        authenticateHTTP ? HTTPAuthenticator(credentials: try AuthFiles.credentials(credentialsFile)) : .off
    }
}

import AgoraAuth
import AgoraHTTP
import Foundation
import Testing

@Suite struct ACLTests {
    private func acls(_ text: String) throws -> ACLs {
        let path = NSTemporaryDirectory() + "/acls-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ACLs(file: path)
    }

    @Test func firstMatchingRuleDecidesAndNoneDenies() throws {
        let rules = try acls("""
            {"permissive": true,
             "run_tasks": [{"principals": {"values": ["fw"]}, "users": {"values": ["nobody"]}},
                           {"principals": {"values": ["fw"]}, "users": {"type": "NONE"}},
                           {"principals": {"type": "ANY"}, "users": {"values": ["root"]}}]}
            """)
        #expect(rules.allows("fw", .runTasks, "nobody"))
        #expect(!rules.allows("fw", .runTasks, "root"))
        #expect(rules.allows("other", .runTasks, "root"))
        #expect(rules.allows("other", .runTasks, "daemon"), "no rule matches: permissive")
        #expect(rules.allows(nil, .killTasks, "anyone"), "no rules for the action: permissive")
    }

    @Test func notPermissiveRefusesWhatNoRuleAllows() throws {
        let rules = try acls(#"{"permissive": false, "kill_tasks": [{"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}}]}"#)
        #expect(rules.allows("ops", .killTasks, "fw"))
        #expect(!rules.allows("mallory", .killTasks, "fw"))
        #expect(!rules.allows(nil, .killTasks, nil))
    }

    @Test(arguments: [
        #"{"run_task": []}"#, #"{"permissive": "yes"}"#, #"{"run_tasks": [{"principals": {"values": ["a"]}}]}"#,
        #"{"run_tasks": [{"principals": {"type": "SOME"}, "users": {"type": "ANY"}}]}"#, "[]", "not json",
    ])
    func badFilesAreRefusedWithTheReason(_ text: String) {
        #expect(throws: AuthConfigurationError.self) { _ = try acls(text) }
    }
}

@Suite struct CredentialsTests {
    private let credentials = Credentials([("ops", "s3cret"), ("fw", "other")])

    private func request(_ authorization: String?) -> HTTPRequest {
        HTTPRequest(method: .get, target: "/", headers: authorization.map { ["Authorization": $0] } ?? [:])
    }

    @Test func basicAndBearerNameThePrincipal() throws {
        let authenticator = HTTPAuthenticator(credentials: credentials)
        #expect(try authenticator.principal(of: request(Credential(principal: "ops", secret: "s3cret").authorizationHeader)) == "ops")
        #expect(try authenticator.principal(of: request("Bearer other")) == "fw")
        #expect(try HTTPAuthenticator.off.principal(of: request(nil)) == nil)
    }

    @Test(arguments: [nil, "Basic", "Basic !!!", "Basic b3Bz", "Basic b3BzOndyb25n", "Bearer nope", "Digest x"])
    func wrongOrMissingCredentialsAre401(_ header: String?) {
        let authenticator = HTTPAuthenticator(credentials: credentials)
        do {
            _ = try authenticator.principal(of: request(header))
            Issue.record("\(header ?? "no header") was accepted")
        } catch {
            #expect(error.response.status == .unauthorized)
            #expect(error.response.headers["WWW-Authenticate"] == "Basic realm=\"agora\"")
        }
    }

    @Test func descriptionsNeverShowSecrets() {
        #expect(!"\(credentials)".contains("s3cret"))
    }
}

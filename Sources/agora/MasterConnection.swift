import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import ArgumentParser
import Foundation

/// `--master` (or `AGORA_MASTER`, or http://127.0.0.1:5050).
struct MasterOptions: ParsableArguments {
    @Option(name: .long, help: "The master's URL (default: $AGORA_MASTER or http://127.0.0.1:5050).")
    var master: String?

    /// The master's address, from the flag, the environment or the default.
    func address() throws -> SocketAddress {
        let text = master ?? ProcessInfo.processInfo.environment["AGORA_MASTER"] ?? "http://127.0.0.1:5050"
        guard let address = SocketAddress(parsing: text) else {
            throw ValidationError("--master must look like http://HOST:PORT or HOST:PORT, got \"\(text)\"")
        }
        return address
    }
}

/// The operator's credential from `AGORA_PRINCIPAL` and `AGORA_SECRET`, sent as HTTP Basic when both are set.
let operatorCredential: Credential? = {
    let environment = ProcessInfo.processInfo.environment
    guard let principal = environment["AGORA_PRINCIPAL"], !principal.isEmpty,
          let secret = environment["AGORA_SECRET"], !secret.isEmpty else { return nil }
    return Credential(principal: principal, secret: secret)
}()

/// Blocking HTTP for a command-line tool: each call runs a private loop until the answer arrives.
enum BlockingHTTP {
    static func send(_ request: HTTPRequest, to address: SocketAddress, what: String,
                     timeout: Duration = .seconds(10)) throws -> HTTPResponse {
        var request = request
        if let operatorCredential, request.headers["Authorization"] == nil {
            request.headers["Authorization"] = operatorCredential.authorizationHeader
        }
        let loop = try Loop()
        var result: Result<HTTPResponse, HTTPError>?
        HTTPClient.send(loop: loop, to: address, request) { result = $0 }
        loop.run(until: { result != nil }, timeout: timeout)
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(1))
        try? loop.close()
        switch result {
        case .success(let response)?:
            return response
        case .failure(let error)?:
            throw CLIError.unavailable("cannot reach \(what) at http://\(address): \(error.cause?.message ?? error.message)")
        case nil:
            throw CLIError.unavailable("\(what) at http://\(address) did not answer within \(timeout)")
        }
    }

    /// GETs JSON; a non-2xx answer is an error naming the endpoint.
    static func json(_ target: String, from address: SocketAddress, what: String) throws -> JSONValue {
        let response = try send(HTTPRequest(method: .get, target: target), to: address, what: what)
        guard response.status.isSuccess else {
            throw CLIError.failed("\(what) answered \(response.status) to \(target): \(response.bodyText)")
        }
        do {
            return try JSONValue.parse(response.body)
        } catch {
            throw CLIError.failed("\(what) sent invalid JSON for \(target): \(error)")
        }
    }
}

/// Sends a request to a framework's REST API. A non-2xx answer becomes a one-line error with the
/// framework's `message` (and, for Marathon-style 422s, each `details` path and error).
func frameworkRequest(_ method: HTTPMethod, _ target: String, body: [UInt8], to address: SocketAddress, what: String)
    throws -> HTTPResponse {
    let response = try BlockingHTTP.send(
        HTTPRequest(method: method, target: target, headers: ["Content-Type": "application/json"], body: body),
        to: address, what: what)
    guard response.status.isSuccess else {
        let json = try? JSONValue.parse(response.body)
        var message = json?.string("message") ?? response.bodyText
        for detail in json?.list("details") ?? [] {
            message += "\n  \(detail.string("path")): " + detail.list("errors").compactMap { value -> String? in
                if case .string(let text) = value { return text }
                return nil
            }.joined(separator: ", ")
        }
        throw CLIError.failed(message)
    }
    return response
}

import AgoraRuntime

/// A complete HTTP request as a handler sees it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target as sent (`/v2/apps?embed=app.tasks`).
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the client asked to keep the connection open after the response.
    public var keepAlive: Bool
    /// The client's address, on requests a server received.
    public var peer: SocketAddress?

    public init(
        method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: [UInt8] = [], keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The path without the query, percent-decoded, with repeated slashes collapsed (`//v2//apps` → `/v2/apps`).
    /// Read byte by byte, and a path with nothing to decode or collapse (almost every one) is not copied: every
    /// request is routed by it.
    public var path: String {
        let slash = UInt8(ascii: "/")
        let end = target.utf8.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        let raw = target.utf8[..<end]
        var isClean = !raw.isEmpty
        var previousSlash = false
        for byte in raw {
            if byte == UInt8(ascii: "%") || (byte == slash && previousSlash) {
                isClean = false
                break
            }
            previousSlash = byte == slash
        }
        if isClean { return end == target.endIndex ? target : String(target[..<end]) }
        var collapsed: [UInt8] = []
        previousSlash = false
        for byte in percentDecoded(String(target[..<end])).utf8 {
            if byte == slash && previousSlash { continue }
            previousSlash = byte == slash
            collapsed.append(byte)
        }
        return collapsed.isEmpty ? "/" : String(decoding: collapsed, as: UTF8.self)
    }

    /// Query parameters in order; a key may repeat (`embed=a&embed=b`).
    public var query: [(name: String, value: String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        return target[target.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecoded(String(parts[0]).replacingPlus())
            let value = parts.count > 1 ? percentDecoded(String(parts[1]).replacingPlus()) : ""
            return (name, value)
        }
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a text body and its content type.
    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// The Agora error shape: `{"message": …}` as JSON.
    public static func error(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: "{\"message\":\(jsonQuoted(message))}")
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A string as a JSON string literal.
func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension String {
    fileprivate func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
func percentDecoded(_ text: String) -> String {
    guard text.contains("%") else { return text }
    var bytes: [UInt8] = []
    var utf8 = Array(text.utf8)[...]
    while let byte = utf8.first {
        utf8 = utf8.dropFirst()
        if byte == UInt8(ascii: "%"), utf8.count >= 2,
           let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

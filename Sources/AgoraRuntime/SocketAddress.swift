internal import CLibUV
import Glibc

/// An IPv4 or IPv6 address and port.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Reads `host:port`, `[v6]:port`, `http://host:port` or `//host:port/path`; `localhost` means
    /// 127.0.0.1. Nil when there is no host or no valid port.
    public init?(parsing text: String) {
        var rest = Substring(text)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        while rest.hasPrefix("/") { rest = rest.dropFirst() }
        let hostPort = rest.split(separator: "/", maxSplits: 1).first ?? ""
        guard let colon = hostPort.lastIndex(of: ":"), colon != hostPort.startIndex,
              let port = UInt16(hostPort[hostPort.index(after: colon)...]) else { return nil }
        var host = hostPort[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.init(host: host == "localhost" ? "127.0.0.1" : String(host), port: port)
    }

    /// Fills a `sockaddr_storage` for libuv calls.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>) throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        var storage = sockaddr_storage()
        let status: Int32 = withUnsafeMutableBytes(of: &storage) { bytes in
            if host.contains(":") {
                return uv_ip6_addr(host, Int32(port), bytes.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
            }
            return uv_ip4_addr(host, Int32(port), bytes.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        try check(status, "uv_ip_addr(\(host))")
        return try withUnsafeBytes(of: &storage) { (bytes) throws(RuntimeError) -> T in
            try body(bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self))
        }
    }

    /// The address a libuv name call (`uv_*_getsockname`, `uv_tcp_getpeername`) fills in; nil when it fails.
    static func named(by call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<Int32>) -> Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call($0, &length) }
        }
        return status == 0 ? SocketAddress(storage) : nil
    }

    init?(_ storage: sockaddr_storage) {
        var storage = storage
        var text = [CChar](repeating: 0, count: 64)
        switch Int32(storage.ss_family) {
        case AF_INET:
            let (ip, port): (String, UInt16) = withUnsafeBytes(of: &storage) { bytes in
                var addr = bytes.load(as: sockaddr_in.self)
                uv_ip4_name(&addr, &text, text.count)
                return (String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: addr.sin_port))
            }
            self.init(host: ip, port: port)
        case AF_INET6:
            let (ip, port): (String, UInt16) = withUnsafeBytes(of: &storage) { bytes in
                var addr = bytes.load(as: sockaddr_in6.self)
                uv_ip6_name(&addr, &text, text.count)
                return (String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: addr.sin6_port))
            }
            self.init(host: ip, port: port)
        default:
            return nil
        }
    }
}

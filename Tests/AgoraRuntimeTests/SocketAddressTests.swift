import AgoraRuntime
import Testing

@Suite struct SocketAddressParsingTests {
    @Test func readsTheFormsUsersAndMastersWrite() {
        #expect(SocketAddress(parsing: "10.0.0.5:5050") == SocketAddress(host: "10.0.0.5", port: 5050))
        #expect(SocketAddress(parsing: "http://localhost:8080") == SocketAddress(host: "127.0.0.1", port: 8080))
        #expect(SocketAddress(parsing: "//master-2:5050/api/v1/scheduler") == SocketAddress(host: "master-2", port: 5050))
        #expect(SocketAddress(parsing: "https://[::1]:5051/state") == SocketAddress(host: "::1", port: 5051))
        let v6 = SocketAddress(host: "fe80::1", port: 80)
        #expect(SocketAddress(parsing: v6.description) == v6)
    }

    @Test func refusesWhatIsNotHostAndPort() {
        for text in ["", "5050", ":5050", "host:", "host:port", "host:70000", "http://", "[]:80", "host:-1"] {
            #expect(SocketAddress(parsing: text) == nil, "\(text)")
        }
    }
}

import AgoraRuntime

/// Sends raw bytes over TCP and collects everything the server answers until it closes.
final class RawClient {
    private(set) var received: [UInt8] = []
    private(set) var closed = false

    init(loop: Loop, to address: SocketAddress, sending parts: [[UInt8]], closeAfterSending: Bool = false) throws {
        try TCPConnection.connect(loop: loop, to: address) { [self] result in
            guard case .success(let connection) = result else {
                closed = true
                return
            }
            try? connection.startReading { [self] event in
                switch event {
                case .data(let bytes): received += bytes
                case .end, .failed:
                    closed = true
                    connection.close()
                }
            }
            for part in parts { connection.write(part) }
            if closeAfterSending { connection.close { [self] in closed = true } }
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }
}

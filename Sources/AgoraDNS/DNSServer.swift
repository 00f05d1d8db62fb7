import AgoraDNSWire
import AgoraRuntime
import Logging

/// agora-dns' DNS service on one address, over UDP and TCP (RFC 1035 framing: a two-byte length before each
/// message): questions in the zone are answered from it, authoritatively; the rest go to the upstream resolvers
/// (`DNSForwarder`), or are refused when there are none. Counters for `/metrics`.
public final class DNSServer {
    public private(set) var zone: DNSZone
    private let udp: UDPSocket
    private let tcp: TCPListener
    /// Open TCP connections and when each last sent a question: at most `maxConnections`, each closed after
    /// `idleTimeout` without one (RFC 7766's advice), so no peer can hold the server's descriptors.
    private var connections: [ObjectIdentifier: (connection: TCPConnection, lastActive: ContinuousClock.Instant)] = [:]
    private var sweeper: LoopTimer?
    static let maxConnections = 256
    static let idleTimeout: Duration = .seconds(10)
    private let forwarder: DNSForwarder?
    private let logger: Logger
    public private(set) var metrics = Metrics()

    /// What the server counted.
    public struct Metrics: Sendable {
        public var answered = 0
        public var nameErrors = 0
        public var forwarded = 0
        public var refused = 0
        public var malformed = 0
    }

    /// Serves `zone` on `address` (UDP and TCP on the same port; port 0 picks one for both).
    public init(loop: Loop, address: SocketAddress, zone: DNSZone, forwarder: DNSForwarder?, logger: Logger) throws(RuntimeError) {
        self.zone = zone
        self.forwarder = forwarder
        self.logger = logger
        // Port 0: the port UDP got must be free for TCP too; another one is tried when it is not.
        var attempts = address.port == 0 ? 20 : 1
        let accepted = ConnectionSink()
        while true {
            let udp = try UDPSocket(loop: loop, address: address)
            do {
                let tcp = try TCPListener(loop: loop, address: udp.localAddress ?? address)
                try tcp.listen { accepted.handler?($0) }
                self.udp = udp
                self.tcp = tcp
                break
            } catch {
                udp.close()
                attempts -= 1
                if attempts == 0 { throw error }
            }
        }
        try udp.startReceiving { [unowned self] bytes, sender in
            self.handle(bytes, limit: 512) { reply in try? self.udp.send(reply, to: sender) }
        }
        accepted.handler = { [unowned self] connection in self.serve(connection) }
        let sweeper = try LoopTimer(loop: loop)
        sweeper.start(after: .seconds(2), repeating: .seconds(2)) { [weak self] in self?.closeIdle() }
        self.sweeper = sweeper
    }

    /// Where it answers.
    public var address: SocketAddress? { udp.localAddress }

    /// Replaces the zone (a new master state).
    public func update(_ zone: DNSZone) { self.zone = zone }

    public func close() {
        udp.close()
        tcp.close()
        for entry in connections.values { entry.connection.close() }
        connections.removeAll()
        sweeper?.close()
        sweeper = nil
        forwarder?.close()
    }

    /// Answers one message; `reply` gets the bytes to send back (nothing for what is not even a DNS header).
    private func handle(_ bytes: [UInt8], limit: Int, reply: @escaping ([UInt8]) -> Void) {
        let query: DNSQuery
        do {
            query = try DNSQuery.parse(bytes)
        } catch {
            metrics.malformed += 1
            if let refusal = Self.formatError(bytes) { reply(refusal) }
            return
        }
        guard zone.contains(query.name) else {
            guard let forwarder else {
                metrics.refused += 1
                if let answer = try? DNSResponse.encode(query, code: .refused, authoritative: false) { reply(answer) }
                return
            }
            metrics.forwarded += 1
            forwarder.forward(bytes, id: query.id, reply)
            return
        }
        let answer = zone.answer(name: query.name, type: query.type)
        if answer.code == .nameError { metrics.nameErrors += 1 } else { metrics.answered += 1 }
        do {
            reply(try DNSResponse.encode(query, code: answer.code, answers: answer.answers, authority: answer.authority,
                                         additional: answer.additional, authoritative: true,
                                         limit: limit == 512 ? query.udpPayloadSize : limit))
        } catch {
            logger.error("cannot answer \(query.name): \(error)")
            if let failure = try? DNSResponse.encode(query, code: .serverFailure, authoritative: true) { reply(failure) }
        }
    }

    /// FORMERR for a message whose header could be read (its id and opcode kept, no question), nil otherwise.
    static func formatError(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 12, bytes[2] & 0x80 == 0 else { return nil }
        return [bytes[0], bytes[1], 0x80 | (bytes[2] & 0x78), 0x01] + [UInt8](repeating: 0, count: 8)
    }

    private func serve(_ connection: TCPConnection) {
        let key = ObjectIdentifier(connection)
        guard connections.count < Self.maxConnections else { return connection.close() }
        connections[key] = (connection, .now)
        var buffer: [UInt8] = []
        do {
            try connection.startReading { [weak self, weak connection] event in
                guard let self, let connection else { return }
                switch event {
                case .data(let bytes):
                    self.connections[key]?.lastActive = .now
                    buffer += bytes
                    while buffer.count >= 2 {
                        let length = Int(buffer[0]) << 8 | Int(buffer[1])
                        guard buffer.count >= 2 + length else { break }
                        let message = Array(buffer[2..<(2 + length)])
                        buffer.removeFirst(2 + length)
                        self.handle(message, limit: 65535) { reply in
                            connection.write([UInt8(reply.count >> 8), UInt8(reply.count & 0xff)] + reply)
                        }
                    }
                    if buffer.count > 2 + 65535 { self.drop(connection) }
                case .end, .failed:
                    self.drop(connection)
                }
            }
        } catch {
            drop(connection)
        }
    }

    private func closeIdle() {
        let now = ContinuousClock.now
        for entry in connections.values where now - entry.lastActive > Self.idleTimeout { drop(entry.connection) }
    }

    private func drop(_ connection: TCPConnection) {
        connections[ObjectIdentifier(connection)] = nil
        connection.closeAfterFlush()
    }
}

/// Where a listener started before its owner was complete hands its connections.
private final class ConnectionSink {
    var handler: ((TCPConnection) -> Void)?
}

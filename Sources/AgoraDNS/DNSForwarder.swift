import AgoraRuntime

/// Relays questions outside Agora's zone to upstream resolvers over UDP: each gets an id of its own upstream (so
/// clients' ids cannot collide), the answer goes back under the client's id; questions unanswered after 5 s are
/// forgotten (the client asks again), and at most 4,096 wait at once.
public final class DNSForwarder {
    private let resolvers: [SocketAddress]
    private let socket: UDPSocket
    private var next = 0
    private var waiting: [UInt16: (clientID: (UInt8, UInt8), sentAt: ContinuousClock.Instant, reply: ([UInt8]) -> Void)] = [:]
    private var sweeper: LoopTimer?
    private var generator = SystemRandomNumberGenerator()
    static let maxWaiting = 4096

    public init(loop: Loop, resolvers: [SocketAddress]) throws(RuntimeError) {
        self.resolvers = resolvers
        let any = resolvers.first?.host.contains(":") == true ? "::" : "0.0.0.0"
        socket = try UDPSocket(loop: loop, address: SocketAddress(host: any, port: 0))
        try socket.startReceiving { [unowned self] bytes, sender in self.answered(bytes, from: sender) }
        let sweeper = try LoopTimer(loop: loop)
        sweeper.start(after: .seconds(1), repeating: .seconds(1)) { [weak self] in self?.sweep() }
        self.sweeper = sweeper
    }

    /// Sends `query` (whose id is `id`) upstream; `reply` gets the answer with the client's id back.
    func forward(_ query: [UInt8], id: UInt16, _ reply: @escaping ([UInt8]) -> Void) {
        guard !resolvers.isEmpty, waiting.count < Self.maxWaiting, query.count >= 12 else { return }
        var upstreamID = UInt16.random(in: 0...UInt16.max, using: &generator)
        while waiting[upstreamID] != nil { upstreamID &+= 1 }
        var bytes = query
        bytes[0] = UInt8(upstreamID >> 8)
        bytes[1] = UInt8(upstreamID & 0xff)
        let resolver = resolvers[next % resolvers.count]
        next &+= 1
        do {
            try socket.send(bytes, to: resolver)
            waiting[upstreamID] = ((query[0], query[1]), .now, reply)
        } catch {
            return
        }
    }

    private func answered(_ bytes: [UInt8], from sender: SocketAddress) {
        guard bytes.count >= 12, resolvers.contains(sender) else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let entry = waiting.removeValue(forKey: id) else { return }
        var answer = bytes
        answer[0] = entry.clientID.0
        answer[1] = entry.clientID.1
        entry.reply(answer)
    }

    private func sweep() {
        let now = ContinuousClock.now
        waiting = waiting.filter { now - $0.value.sentAt < .seconds(5) }
    }

    func close() {
        sweeper?.close()
        sweeper = nil
        socket.close()
        waiting.removeAll()
    }
}

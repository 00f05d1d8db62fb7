import AgoraRuntime
import AgoraRuntimeTesting
import Testing

@Suite struct TCPTests {
    @Test func echoServesManyConcurrentClients() throws {
        let clientCount = 100
        let messagesPerClient = 20
        var echoedClients = 0
        var accepted = 0
        var listener: TCPListener!
        try withLoop({ loop in
            listener = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            try listener.listen { connection in
                accepted += 1
                try? connection.startReading { event in
                    switch event {
                    case .data(let bytes): connection.write(bytes)
                    case .end, .failed: connection.closeAfterFlush()
                    }
                }
            }
            let port = listener.localAddress!.port
            #expect(port != 0)
            for client in 0..<clientCount {
                var expected: [UInt8] = []
                for message in 0..<messagesPerClient { expected += Array("client \(client) message \(message)\n".utf8) }
                try TCPConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: port)) { result in
                    guard case .success(let connection) = result else {
                        Issue.record("connect failed: \(result)")
                        return
                    }
                    var received: [UInt8] = []
                    try? connection.startReading { event in
                        guard case .data(let bytes) = event else { return }
                        received += bytes
                        if received.count >= expected.count {
                            #expect(received == expected)
                            echoedClients += 1
                            connection.close()
                        }
                    }
                    // Several writes per client, so the server sees interleaved partial messages.
                    for message in 0..<messagesPerClient {
                        connection.write(Array("client \(client) message \(message)\n".utf8))
                    }
                }
            }
        }, until: {
            if echoedClients == clientCount { listener.close() }
            return echoedClients == clientCount
        })
        #expect(accepted == clientCount)
    }

    @Test func largeWriteAppliesBackPressureAndArrivesWhole() throws {
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var received = 0
        var sawBlocked = false
        var drained = false
        var closed = false
        var listener: TCPListener!
        try withLoop({ loop in
            listener = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            try listener.listen { connection in
                try? connection.startReading { event in
                    switch event {
                    case .data(let bytes):
                        for (offset, byte) in bytes.enumerated() where byte != payload[received + offset] {
                            Issue.record("byte \(received + offset) differs")
                            break
                        }
                        received += bytes.count
                    case .end, .failed:
                        connection.close()
                        listener.close()
                    }
                }
            }
            try TCPConnection.connect(loop: loop, to: listener.localAddress!) { result in
                guard case .success(let connection) = result else { return }
                connection.highWaterMark = 64 * 1024
                connection.onWritable = { drained = true }
                connection.write(payload)
                sawBlocked = !connection.isWritable
                // The close waits for the queued bytes; its completion must still run then.
                connection.closeAfterFlush { closed = true }
            }
        }, until: { received == payload.count && !listener.isOpen && closed })
        #expect(sawBlocked)
        #expect(drained)
    }

    @Test func writingToAVanishedPeerIsAnErrorNotASignal() throws {
        var writeError: RuntimeError?
        var listener: TCPListener!
        try withLoop({ loop in
            listener = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            try listener.listen { connection in connection.close() }
            try TCPConnection.connect(loop: loop, to: listener.localAddress!) { result in
                guard case .success(let connection) = result else { return }
                func writeUntilItFails() {
                    connection.write([UInt8](repeating: 7, count: 64 * 1024)) { error in
                        if let error {
                            writeError = error
                            connection.close()
                            listener.close()
                        } else {
                            _ = try? loop.schedule(after: .milliseconds(5)) { writeUntilItFails() }
                        }
                    }
                }
                writeUntilItFails()
            }
        }, until: { writeError != nil && !listener.isOpen })
        #expect(["EPIPE", "ECONNRESET"].contains(writeError?.code ?? ""))
    }

    @Test func connectToClosedPortFailsWithTypedError() throws {
        var failure: RuntimeError?
        try withLoop({ loop in
            // Bind and close a listener to find a port nobody listens on.
            let probe = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            let port = probe.localAddress!.port
            probe.close()
            try TCPConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: port)) { result in
                if case .failure(let error) = result { failure = error }
            }
        }, until: { failure != nil })
        #expect(failure?.code == "ECONNREFUSED")
        #expect(failure?.call == "uv_tcp_connect")
    }

    @Test func bindingABusyPortNamesTheCall() throws {
        let loop = try Loop()
        let first = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
        try first.listen { $0.close() }
        let error = #expect(throws: RuntimeError.self) {
            let second = try TCPListener(loop: loop, address: first.localAddress!)
            try second.listen { $0.close() }
        }
        #expect(error?.code == "EADDRINUSE")
        first.close()
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
        try loop.close()
    }

    @Test func badAddressIsRejected() throws {
        let loop = try Loop()
        let error = #expect(throws: RuntimeError.self) {
            _ = try TCPListener(loop: loop, address: SocketAddress(host: "not-an-ip", port: 1))
        }
        #expect(error?.code == "EINVAL")
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
        try loop.close()
    }
}

@Suite struct TCPCorkingTests {
    /// A server writes ten pieces in one turn to its first client, then, to a second client, writes and closes at once.
    @Test func aServersWritesOfOneTurnArriveInOrderTogetherAndEachCompletes() throws {
        var listener: TCPListener!
        var reads: [[UInt8]] = []
        var completions: [Int] = []
        var pendingAfterWrites = 0
        var positionsAfterWrites = (written: 0, sent: 0)
        var lastWords: [UInt8] = []
        var ended = 0
        try withLoop({ loop in
            listener = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            var accepted = 0
            try listener.listen { connection in
                accepted += 1
                if accepted == 1 {
                    // The first goes at once, the other nine together: in order, every completion called.
                    for index in 0..<10 {
                        connection.write(Array("\(index);".utf8)) { error in
                            #expect(error == nil)
                            completions.append(index)
                        }
                    }
                    pendingAfterWrites = connection.pendingWriteBytes
                    positionsAfterWrites = (connection.bytesWritten, connection.bytesSent)
                    connection.closeAfterFlush()
                } else {
                    // Bytes written right before an immediate close still go.
                    connection.write(Array("last ".utf8))
                    connection.write(Array("words".utf8))
                    connection.close()
                }
            }
            let address = SocketAddress(host: "127.0.0.1", port: listener.localAddress!.port)
            for client in 0..<2 {
                _ = try loop.schedule(after: .milliseconds(50 * client)) {
                    do {
                        try TCPConnection.connect(loop: loop, to: address) { result in
                            guard case .success(let connection) = result else {
                                Issue.record("client \(client) could not connect: \(result)")
                                ended += 1
                                return
                            }
                            do {
                                try connection.startReading { event in
                                    switch event {
                                    case .data(let bytes):
                                        if client == 0 { reads.append(bytes) } else { lastWords += bytes }
                                    case .end, .failed:
                                        connection.close()
                                        ended += 1
                                    }
                                }
                            } catch {
                                Issue.record("client \(client) could not read: \(error)")
                                connection.close()
                                ended += 1
                            }
                        }
                    } catch {
                        Issue.record("client \(client) could not connect: \(error)")
                        ended += 1
                    }
                }
            }
        }, until: {
            if ended == 2 { listener.close() }
            return ended == 2
        })
        #expect(reads.joined().elementsEqual("0;1;2;3;4;5;6;7;8;9;".utf8))
        #expect(reads.count <= 2)
        #expect(pendingAfterWrites == 18)
        #expect(positionsAfterWrites == (20, 2))
        #expect(completions == Array(0..<10))
        #expect(String(decoding: lastWords, as: UTF8.self) == "last words")
    }

    /// A completion run by the flush writes twice more: the second of those is corked during the flush itself. The
    /// server's loop runs alone on its thread with no timer, so if that write waited for the next turn, nothing would
    /// wake the loop and the client would never see it.
    @Test func writesCorkedWhileFlushingGoInTheSameFlush() throws {
        let server = try LoopThread { loop in
            let listener = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
            try listener.listen { connection in
                connection.write(Array("a".utf8))
                connection.write(Array("b".utf8)) { _ in
                    connection.write(Array("c".utf8))
                    connection.write(Array("d".utf8))
                }
                try? connection.startReading { event in
                    guard case .data = event else { return }
                    connection.close()
                    listener.close()
                }
            }
            return listener.localAddress!.port
        }
        var received: [UInt8] = []
        var client: TCPConnection?
        try withLoop({ loop in
            try TCPConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: server.value)) { result in
                guard case .success(let connection) = result else {
                    Issue.record("could not connect: \(result)")
                    return
                }
                client = connection
                try? connection.startReading { event in
                    guard case .data(let bytes) = event else { return }
                    received += bytes
                }
            }
        }, until: {
            guard received.count < 4 else {
                client?.write(Array("done".utf8)) { _ in client?.close() }
                return client?.isOpen == false
            }
            return false
        })
        #expect(server.join(), "the server's loop did not end once the client closed")
        #expect(String(decoding: received, as: UTF8.self) == "abcd")
    }
}

internal import CLibUV
import Glibc

/// A bound UDP socket on the loop: every datagram that arrives is handed over with its sender, and replies go out
/// as single datagrams (dropped by the kernel when its send buffer is full, as UDP allows).
public final class UDPSocket: LoopHandle {
    private var onDatagram: (([UInt8], SocketAddress) -> Void)?
    /// The largest datagram read whole (a bigger one arrives cut and is flagged partial by the kernel; it is dropped).
    public static let maxDatagram = Loop.readBufferSize

    /// Binds to `address`; port 0 picks a free port (see `localAddress`).
    public init(loop: Loop, address: SocketAddress) throws(RuntimeError) {
        super.init(loop: loop, type: UV_UDP)
        try check(uv_udp_init(loop.raw, udp), "uv_udp_init")
        didOpen()
        do {
            _ = try address.withSockaddr { (sockaddr) throws(RuntimeError) in
                try check(uv_udp_bind(udp, sockaddr, 0), "uv_udp_bind(\(address))")
            }
        } catch {
            close()
            throw error
        }
    }

    var udp: UnsafeMutablePointer<uv_udp_t> { memory.assumingMemoryBound(to: uv_udp_t.self) }

    /// The bound address, with the real port when 0 was asked for.
    public var localAddress: SocketAddress? {
        SocketAddress.named { uv_udp_getsockname(udp, $0, $1) }
    }

    /// Starts delivering datagrams.
    public func startReceiving(_ onDatagram: @escaping ([UInt8], SocketAddress) -> Void) throws(RuntimeError) {
        self.onDatagram = onDatagram
        try check(uv_udp_recv_start(udp, { handle, _, buffer in
            guard let socket = UDPSocket.owner(UnsafeMutableRawPointer(handle), as: UDPSocket.self) else { return }
            buffer?.pointee = socket.loop.readBufferForLibUV
        }, { handle, count, buffer, sender, flags in
            guard let socket = UDPSocket.owner(UnsafeMutableRawPointer(handle), as: UDPSocket.self) else { return }
            socket.didReceive(count: count, base: buffer?.pointee.base, sender: sender, partial: flags & UInt32(UV_UDP_PARTIAL.rawValue) != 0)
        }), "uv_udp_recv_start")
    }

    private func didReceive(count: Int, base: UnsafeMutablePointer<CChar>?, sender: UnsafePointer<sockaddr>?, partial: Bool) {
        guard count > 0, !partial, let base, let sender else { return }
        var storage = sockaddr_storage()
        let length = sender.pointee.sa_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sender, count: length)) }
        guard let from = SocketAddress(storage) else { return }
        onDatagram?([UInt8](UnsafeRawBufferPointer(start: base, count: count)), from)
    }

    /// Sends one datagram to `address`; an error when the kernel refuses it now (a full buffer: the peer retries).
    public func send(_ bytes: [UInt8], to address: SocketAddress) throws(RuntimeError) {
        guard isOpen else { throw RuntimeError(code: "ECLOSED", message: "socket is closed", call: "uv_udp_try_send") }
        guard !bytes.isEmpty else { throw RuntimeError(code: "EINVAL", message: "empty datagram", call: "uv_udp_try_send") }
        let sent = try address.withSockaddr { (sockaddr) throws(RuntimeError) -> Int32 in
            bytes.withUnsafeBufferPointer { buffer in
                var uvBuffer = agora_uv_buf(UnsafeMutableRawPointer(mutating: buffer.baseAddress!).assumingMemoryBound(to: CChar.self), buffer.count)
                return uv_udp_try_send(udp, &uvBuffer, 1, sockaddr)
            }
        }
        try check(sent, "uv_udp_try_send(\(address))")
    }

    override func didClose() {
        onDatagram = nil
    }
}

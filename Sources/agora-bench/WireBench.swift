import AgoraWire
import Foundation

/// Encode+decode rates for an Offer with ten resources, in both encodings, and the floor: libprotobuf-c
/// unpacking and repacking the same bytes with no Swift value on either side.
enum WireBench {
    static let offer: Offer = {
        var resources: [Resource] = []
        for index in 0..<8 { resources.append(.scalar(index % 2 == 0 ? "cpus" : "mem", Double(index) + 0.5, role: "*")) }
        resources.append(.ranges("ports", [31000...31099, 31200...31299]))
        resources.append(.set("disks", ["ssd0", "ssd1"]))
        return Offer(id: "offer-0123456789", frameworkID: "framework-0001", agentID: "agent-0001", hostname: "host-1",
                     resources: resources, attributes: [.text("rack", "r1")])
    }()

    static func run(iterations: Int) throws {
        for wireFormat in [WireFormat.protobuf, .json] {
            let encoded = try offer.encoded(as: wireFormat)
            var checksum = 0
            let encodeStart = ContinuousClock.now
            for _ in 0..<iterations { checksum &+= try offer.encoded(as: wireFormat).count }
            let encodeSeconds = seconds(since: encodeStart)
            let decodeStart = ContinuousClock.now
            for _ in 0..<iterations { checksum &+= try Offer(decoding: encoded, as: wireFormat).resources.count }
            let decodeSeconds = seconds(since: decodeStart)
            precondition(checksum == iterations * (encoded.count + offer.resources.count), "decoded offers lost resources")
            let elapsed = encodeSeconds + decodeSeconds
            report("offer(10 resources) \(wireFormat == .protobuf ? "protobuf" : "json") encode+decode", [
                ("ops/s", format(Double(iterations) / elapsed)),
                ("us/op", format(elapsed / Double(iterations) * 1e6, 1)),
                ("encode us", format(encodeSeconds / Double(iterations) * 1e6, 1)),
                ("decode us", format(decodeSeconds / Double(iterations) * 1e6, 1)),
                ("bytes", "\(encoded.count)"),
            ])
        }
        let packed = try offer.protobuf()
        var checksum = 0
        let start = ContinuousClock.now
        for _ in 0..<iterations {
            guard let repacked = ProtobufCFloor.unpackAndPack(packed, as: Offer.self) else {
                preconditionFailure("libprotobuf-c refused the bench offer")
            }
            checksum &+= repacked.count
        }
        let elapsed = seconds(since: start)
        precondition(checksum == iterations * packed.count, "libprotobuf-c changed the offer")
        report("offer(10 resources) libprotobuf-c floor", [
            ("ops/s", format(Double(iterations) / elapsed)),
            ("us/op", format(elapsed / Double(iterations) * 1e6, 2)),
            ("bytes", "\(packed.count)"),
        ])
    }
}

import AgoraWire
import Foundation

/// Encode+decode rates for an Offer with ten resources, in both encodings.
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
            var bytes = 0
            var checksum = 0
            let start = ContinuousClock.now
            for _ in 0..<iterations {
                let encoded = try offer.encoded(as: wireFormat)
                let decoded = try Offer(decoding: encoded, as: wireFormat)
                bytes = encoded.count
                checksum &+= decoded.resources.count
            }
            let elapsed = seconds(since: start)
            precondition(checksum == iterations * offer.resources.count, "decoded offers lost resources")
            report("offer(10 resources) \(wireFormat == .protobuf ? "protobuf" : "json") encode+decode", [
                ("ops/s", format(Double(iterations) / elapsed)),
                ("us/op", format(elapsed / Double(iterations) * 1e6, 1)),
                ("bytes", "\(bytes)"),
            ])
        }
    }
}

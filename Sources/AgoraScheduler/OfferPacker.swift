import AgoraResources
import AgoraWire

/// Packs tasks into one offer, for frameworks: each demand is fitted into what the offer has left and taken from it
/// (`take`), the task built on what was taken is added (`add`), and `finish` launches what was packed into each offer
/// in one ACCEPT and declines the offers nothing was packed into. Both built-in frameworks place their tasks this way.
public struct OfferPacker {
    public let offer: Offer
    /// What the offer has left.
    public private(set) var remaining: Resources
    /// The tasks packed so far, in order.
    public private(set) var tasks: [TaskInfo] = []

    public init(_ offer: Offer) {
        self.offer = offer
        remaining = Resources(offer.resources)
    }

    /// Takes room for `demand` (concrete ports and amounts) from what is left, or nil when it does not fit; nothing
    /// is taken then.
    public mutating func take(_ demand: ResourceDemand) -> Resources? {
        guard let room = remaining.fit(demand) else { return nil }
        remaining -= room
        return room
    }

    /// Adds a task built on resources from `take`.
    public mutating func add(_ task: TaskInfo) { tasks.append(task) }

    /// The offer's wire resources for `room`, in the role the offer was made to.
    public func wire(_ room: Resources) -> [Resource] { room.wire(allocationRole: offer.allocationInfo?.role) }

    /// Launches the packed tasks in one ACCEPT of the offer (what they leave unused is refused for `refuseSeconds`).
    public func launch(on client: SchedulerClient, refuseSeconds: Double) {
        client.launch(tasks, on: [offer.id], refuseSeconds: refuseSeconds)
    }

    /// Launches each offer's packed tasks in one ACCEPT per offer (what they leave unused is refused for
    /// `refuseSeconds`) and declines every offer nothing was packed into in one DECLINE, for `declineSeconds`: a
    /// burst of offers costs the master one call for all the unused ones, not one call each.
    public static func finish(_ packers: [OfferPacker], on client: SchedulerClient, refuseSeconds: Double, declineSeconds: Double) {
        var unused: [OfferID] = []
        for packer in packers {
            if packer.tasks.isEmpty {
                unused.append(packer.offer.id)
            } else {
                packer.launch(on: client, refuseSeconds: refuseSeconds)
            }
        }
        if !unused.isEmpty { client.decline(unused, refuseSeconds: declineSeconds) }
    }
}

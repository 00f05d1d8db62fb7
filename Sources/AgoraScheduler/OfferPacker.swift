import AgoraResources
import AgoraWire

/// Packs tasks into one offer, for frameworks: each demand is fitted into what the offer has left and taken from it
/// (`take`), the task built on what was taken is added (`add`), and `finish` launches everything packed in one
/// ACCEPT, or declines the offer when nothing was. Both built-in frameworks place their tasks this way.
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

    /// Launches the packed tasks (what they leave unused is refused for `refuseSeconds`), or declines the offer for
    /// `declineSeconds` when nothing was packed.
    public func finish(on client: SchedulerClient, refuseSeconds: Double, declineSeconds: Double) {
        if tasks.isEmpty {
            client.decline([offer.id], refuseSeconds: declineSeconds)
        } else {
            client.launch(tasks, on: [offer.id], refuseSeconds: refuseSeconds)
        }
    }
}

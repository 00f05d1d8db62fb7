/// Marathon's service ports: one per port an app declares (its `portDefinitions[].port`, or each container port
/// mapping's `servicePort`), unique across apps, where load balancers and DNS clients find the app. A port given as 0
/// gets the one the app had at that place before, else the lowest free one of the range; a port another app holds
/// is a conflict.
public struct ServicePorts: Sendable {
    /// Where ports asked for as 0 come from (`--service-port-range`, 10000-20000 by default).
    public let range: ClosedRange<Int>

    public init(range: ClosedRange<Int> = 10000...20000) { self.range = range }

    /// The app's service ports, in the order it declares its ports.
    static func of(_ app: AppDefinition) -> [Int] {
        if let mappings = app.container?.portMappings, !mappings.isEmpty { return mappings.map(\.servicePort) }
        return app.networks == .host ? app.ports : []
    }

    /// Gives every port of `app` asked for as 0 a service port, keeping `previous`'s where it had one and checking
    /// that no other app of `others` holds the ones asked for.
    func assign(_ app: inout AppDefinition, previous: AppDefinition?, others: [AppDefinition]) throws(ServiceError) {
        var taken: [Int: String] = [:]
        for other in others where other.id != app.id {
            for port in Self.of(other) where port != 0 { taken[port] = other.id }
        }
        var ports = Self.of(app)
        for port in ports where port != 0 {
            if let holder = taken[port] { throw ServiceError.conflict("servicePort \(port) is already used by app \(holder)") }
        }
        let earlier = previous.map(Self.of) ?? []
        var used = Set(ports.filter { $0 != 0 })
        var candidate = range.lowerBound
        for index in ports.indices where ports[index] == 0 {
            if index < earlier.count, earlier[index] != 0, taken[earlier[index]] == nil, !used.contains(earlier[index]) {
                ports[index] = earlier[index]
            } else {
                while candidate <= range.upperBound && (taken[candidate] != nil || used.contains(candidate)) { candidate += 1 }
                guard candidate <= range.upperBound else {
                    throw ServiceError.conflict("no free service port left in \(range.lowerBound)-\(range.upperBound)")
                }
                ports[index] = candidate
            }
            used.insert(ports[index])
        }
        if let mappings = app.container?.portMappings, !mappings.isEmpty {
            for index in mappings.indices { app.container?.portMappings[index].servicePort = ports[index] }
        } else if app.networks == .host {
            app.ports = ports
        }
    }
}

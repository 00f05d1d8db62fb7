import AgoraWire

/// Why a `--resources` string could not be read.
public struct ResourcesParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Resources {
    /// Parses the agent flag syntax: `cpus:2;mem:1024;disk:4096;ports:[31000-32000,33000-33010];gpus(ml):1;zones:{a,b}`.
    public init(parsing text: String) throws(ResourcesParseError) {
        self.init()
        for part in text.split(separator: ";").map({ $0.trimmingWhitespace() }) where !part.isEmpty {
            guard let colon = part.firstIndex(of: ":") else {
                throw ResourcesParseError(message: "\"\(part)\" is not name:value")
            }
            var name = part[..<colon].trimmingWhitespace()
            let value = part[part.index(after: colon)...].trimmingWhitespace()
            var role = "*"
            if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
                role = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
                name = String(name[..<open])
            }
            guard !name.isEmpty, !role.isEmpty else { throw ResourcesParseError(message: "\"\(part)\" has no name") }
            if value.hasPrefix("[") && value.hasSuffix("]") {
                var set = RangeSet()
                for piece in value.dropFirst().dropLast().split(separator: ",") {
                    let bounds = piece.split(separator: "-").map { UInt64($0.trimmingWhitespace()) }
                    guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else {
                        throw ResourcesParseError(message: "\"\(piece)\" in \(name) is not a range like 31000-32000")
                    }
                    set.insert(low...high)
                }
                add(ranges: name, set, role: role)
            } else if value.hasPrefix("{") && value.hasSuffix("}") {
                let items = value.dropFirst().dropLast().split(separator: ",").map { $0.trimmingWhitespace() }
                add(set: name, Set(items.filter { !$0.isEmpty }), role: role)
            } else {
                guard let amount = Double(value), amount >= 0, amount <= Bounds.maxScalar else {
                    throw ResourcesParseError(message: "\"\(value)\" for \(name) is not a number from 0 to \(Bounds.maxScalar)")
                }
                add(scalar: name, amount, role: role)
            }
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

import ArgumentParser

/// A size flag value in Mesos' style: `512`, `64KB`, `10MB`, `1GB` (binary units; `B` for bytes).
public struct ByteSizeFlag: ExpressibleByArgument, Sendable {
    public let bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    public init?(argument: String) {
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        let text = argument.uppercased()
        let (digits, scale) = units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)), $0.1) } ?? (text, 1)
        guard let count = Int(digits), count > 0 else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        self.bytes = bytes
    }

    public var defaultValueDescription: String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20)MB" : "\(bytes)B"
    }
}

extension JSONValue {
    /// The number at `key` (nil when absent or null), checked by `Bounds.real`; errors name `path/key`.
    /// With `acceptingStrings`, a string holding a number is read too (Chronos' lenient clients send them).
    public func real(_ key: String, in range: ClosedRange<Double>, path: String = "",
                     acceptingStrings: Bool = false) throws(WireError) -> Double? {
        guard let value = try number(key, path: path, acceptingStrings: acceptingStrings) else { return nil }
        return try Bounds.real(value, in: range, field: "\(path)/\(key)")
    }

    /// The whole number at `key` (nil when absent or null), checked by `Bounds.integer`; errors name `path/key`.
    public func integer(_ key: String, in range: ClosedRange<Int>, path: String = "",
                        acceptingStrings: Bool = false) throws(WireError) -> Int? {
        guard let value = try number(key, path: path, acceptingStrings: acceptingStrings) else { return nil }
        return try Bounds.integer(value, in: range, field: "\(path)/\(key)")
    }

    /// This value as a whole number in `range` (for array items); errors name `path`.
    public func integer(in range: ClosedRange<Int>, path: String) throws(WireError) -> Int {
        guard case .number(let text) = self, let value = Double(text) else {
            throw WireError(.wrongJSONType, field: path, "must be a number")
        }
        return try Bounds.integer(value, in: range, field: path)
    }

    private func number(_ key: String, path: String, acceptingStrings: Bool) throws(WireError) -> Double? {
        switch self[key] {
        case nil, .null?: return nil
        case .number(let text)?:
            if let value = Double(text) { return value }
        case .string(let text)? where acceptingStrings:
            if let value = Double(text) { return value }
        default: break
        }
        throw WireError(.wrongJSONType, field: "\(path)/\(key)", "must be a number")
    }
}

/// Compact JSON text written straight from Swift values, with commas placed as values arrive.
/// Messages write themselves with `writeJSON(to:)`; `JSONValue` serialises through it too.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false
    private var afterKey = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            bytes.append(UInt8(ascii: ","))
        }
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    /// A key known to need no escaping (a proto field name).
    public mutating func field(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func key(_ name: String) {
        separate()
        writeQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ value: String) {
        separate()
        writeQuoted(value)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    public mutating func null() {
        raw("null")
    }

    public mutating func integer<T: BinaryInteger>(_ value: T) {
        separate()
        if let small = Int64(exactly: value) {
            writeDigits(small)
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
        needsComma = true
    }

    /// A double as the Mesos mapping writes it: integral values without a fraction; NaN and
    /// infinities have no JSON form and are refused.
    public mutating func double(_ value: Double) throws(WireError) {
        guard let literal = JSONWriter.literal(of: value) else {
            throw WireError(.outOfRange, field: nil, "\(value) has no JSON representation")
        }
        number(literal: literal)
    }

    /// A number already in JSON syntax.
    public mutating func number(literal: String) {
        separate()
        bytes.append(contentsOf: literal.utf8)
        needsComma = true
    }

    /// A value already written as JSON text elsewhere, inserted whole.
    public mutating func embedded(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Bytes as padded base64.
    public mutating func base64(_ value: [UInt8]) {
        string(Base64.encode(value))
    }

    public mutating func array<T>(
        _ items: [T], _ write: (inout JSONWriter, T) throws(WireError) -> Void
    ) throws(WireError) {
        beginArray()
        for (index, item) in items.enumerated() {
            do {
                try write(&self, item)
            } catch {
                throw error.within(index: index)
            }
        }
        endArray()
    }

    /// The JSON number text of a finite double; nil for NaN and infinities.
    static func literal(of value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { return String(Bounds.clampedInt64(value)) }
        return String(value)
    }

    private mutating func raw(_ text: StaticString) {
        separate()
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        needsComma = true
    }

    private mutating func writeDigits(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[position...])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A quoted string; text with nothing to escape (nearly all of it) is copied in one go.
    private mutating func writeQuoted(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = string.utf8
        if utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
        } else {
            for byte in utf8 { writeEscaped(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes += [92, 34]
        case UInt8(ascii: "\\"): bytes += [92, 92]
        case 10: bytes += [92, UInt8(ascii: "n")]
        case 13: bytes += [92, UInt8(ascii: "r")]
        case 9: bytes += [92, UInt8(ascii: "t")]
        case 0..<0x20:
            bytes += [92, UInt8(ascii: "u"), 48, 48, Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 15)]]
        default: bytes.append(byte)
        }
    }
}

/// A pull reader over JSON text: messages read their fields from it directly, and `JSONValue.parse`
/// builds trees with it. Every error is a `WireError`: `.invalidJSON` with the byte offset for bad
/// syntax, `.wrongJSONType` when a value is not what its field needs. Nesting is limited to `maxDepth`.
public struct JSONReader {
    private let bytes: [UInt8]
    private let maxDepth: Int
    private var index = 0
    private var depth = 0
    /// Whether the next `nextField` is the first of its object (no comma expected).
    private var firstField = false

    public init(_ bytes: [UInt8], maxDepth: Int = 100) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Refuses anything but whitespace after the value read.
    public mutating func finish() throws(WireError) {
        skipWhitespace()
        guard index == bytes.count else { throw syntax("unexpected text after the JSON value") }
    }

    // MARK: Objects and arrays

    public mutating func beginObject() throws(WireError) {
        try expect(UInt8(ascii: "{"), "an object")
        try enter()
        firstField = true
    }

    /// The index in `table` of the next key (-1 when the table does not have it), positioned at its
    /// value; nil after the object's closing brace. Keys whose value is `null` are passed over.
    mutating func nextField(_ table: JSONFieldTable) throws(WireError) -> Int? {
        while true {
            guard let key = try nextRawKey() else { return nil }
            skipWhitespace()
            if index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n") {
                try expectLiteral("null")
                continue
            }
            switch key {
            case .plain(let range): return bytes.withUnsafeBufferPointer { table.index(of: UnsafeBufferPointer(rebasing: $0[range])) }
            case .escaped(let text): return Array(text.utf8).withUnsafeBufferPointer { table.index(of: $0) }
            }
        }
    }

    /// The next key of the object being read, as a `String`; nil after its closing brace.
    public mutating func nextKey() throws(WireError) -> String? {
        switch try nextRawKey() {
        case nil: return nil
        case .plain(let range): return String(decoding: bytes[range], as: UTF8.self)
        case .escaped(let text): return text
        }
    }

    private enum JSONKey {
        case plain(Range<Int>)
        case escaped(String)
    }

    private mutating func nextRawKey() throws(WireError) -> JSONKey? {
        skipWhitespace()
        guard index < bytes.count else { throw syntax("unexpected end of input in object") }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            firstField = false
            return nil
        }
        if firstField {
            firstField = false
        } else {
            guard bytes[index] == UInt8(ascii: ",") else { throw syntax("expected ',' or '}'") }
            index += 1
            skipWhitespace()
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw syntax("expected a string key") }
        let key = try scanString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw syntax("expected ':'") }
        index += 1
        return key
    }

    /// Reads an array, each element with `read`; element errors name their index.
    public mutating func readArray<T>(_ read: (inout JSONReader) throws(WireError) -> T) throws(WireError) -> [T] {
        try expect(UInt8(ascii: "["), "an array")
        try enter()
        var items: [T] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return items
        }
        while true {
            do {
                items.append(try read(&self))
            } catch {
                throw error.within(index: items.count)
            }
            skipWhitespace()
            guard index < bytes.count else { throw syntax("unexpected end of input in array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return items
            } else {
                throw syntax("expected ',' or ']'")
            }
        }
    }

    // MARK: Scalars

    public mutating func readString() throws(WireError) -> String {
        try expect(UInt8(ascii: "\""), "a string", consume: false)
        switch try scanString() {
        case .plain(let range):
            let string = bytes.withUnsafeBufferPointer { WireConversion.utf8String(UnsafeBufferPointer(rebasing: $0[range])) }
            guard let string else { throw syntax("string is not valid UTF-8") }
            return string
        case .escaped(let text): return text
        }
    }

    public mutating func readBool() throws(WireError) -> Bool {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "t") {
            try expectLiteral("true")
            return true
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "f") {
            try expectLiteral("false")
            return false
        }
        throw try wrongType("true or false")
    }

    /// A number, or a string holding one (as the Mesos mapping allows).
    public mutating func readDouble() throws(WireError) -> Double {
        let (literal, type) = try numberLiteral(expected: "a number")
        guard let value = Double(literal) else { throw WireError(.wrongJSONType, field: nil, "expected a number, got \(type.name)") }
        return value
    }

    /// An integer from a JSON integer, an integral float (`5.0`) or a decimal string, as `T`
    /// (the field's proto type, named `proto` when it does not fit).
    public mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type, proto: StaticString) throws(WireError) -> T {
        let expected = T.isSigned ? "an integer" : "a non-negative integer"
        let (literal, found) = try numberLiteral(expected: expected)
        if let value = T(literal) { return value }
        guard let double = Double(literal), double == double.rounded() else {
            throw WireError(.wrongJSONType, field: nil, "expected \(expected), got \(found.name)")
        }
        guard let value = T(exactly: double) else { throw WireError(.outOfRange, field: nil, "\(literal) does not fit \(proto)") }
        return value
    }

    /// Padded base64 text as bytes.
    public mutating func readBase64() throws(WireError) -> [UInt8] {
        guard case .string = try peekType() else { throw try wrongType("a base64 string") }
        guard let bytes = Base64.decode(try readString()) else {
            throw WireError(.invalidBase64, field: nil, "not valid base64")
        }
        return bytes
    }

    /// An enum value by proto name or by number.
    mutating func readEnum<E: ProtoEnum>(_ type: E.Type) throws(WireError) -> E {
        switch try peekType() {
        case .string:
            let name = try readString()
            guard let value = E(rawValue: name) else { throw E.refusal(name: name) }
            return value
        case .number:
            let (literal, _) = try numberLiteral(expected: "an enum name")
            guard let number = Int32(literal) else {
                throw WireError(.unknownEnumValue, field: nil, "\(literal) is not a value of \(E.protoEnumName)")
            }
            return try E(protoNumber: number)
        default:
            throw try wrongType("an enum name")
        }
    }

    /// Reads past one value of any type, checking its syntax.
    public mutating func skipValue() throws(WireError) {
        _ = try readValue()
    }

    /// One value of any type as a tree.
    public mutating func readValue() throws(WireError) -> JSONValue {
        switch try peekType() {
        case .object:
            try beginObject()
            var entries: [(key: String, value: JSONValue)] = []
            while let key = try nextKey() { entries.append((key, try readValue())) }
            return .object(entries)
        case .array:
            return .array(try readArray { (reader) throws(WireError) in try reader.readValue() })
        case .string: return .string(try readString())
        case .number: return .number(String(decoding: bytes[try scanNumber()], as: UTF8.self))
        case .bool: return .bool(try readBool())
        case .null:
            try expectLiteral("null")
            return .null
        }
    }

    // MARK: Lexing

    private enum ValueType {
        case object, array, string, number, bool, null

        var name: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    private mutating func peekType() throws(WireError) -> ValueType {
        skipWhitespace()
        guard index < bytes.count else { throw syntax("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw syntax("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func wrongType(_ expected: String) throws(WireError) -> WireError {
        WireError(.wrongJSONType, field: nil, "expected \(expected), got \(try peekType().name)")
    }

    private mutating func expect(_ opener: UInt8, _ expected: String, consume: Bool = true) throws(WireError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == opener else { throw try wrongType(expected) }
        if consume { index += 1 }
    }

    /// The text of a number, or of a string standing for one, and which of the two it was.
    private mutating func numberLiteral(expected: String) throws(WireError) -> (String, ValueType) {
        switch try peekType() {
        case .number: return (String(decoding: bytes[try scanNumber()], as: UTF8.self), .number)
        case .string: return (try readString(), .string)
        default: throw try wrongType(expected)
        }
    }

    private func syntax(_ message: String) -> WireError {
        WireError(.invalidJSON, field: nil, "\(message) at byte \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 32, 9, 10, 13: index += 1
            default: return
            }
        }
    }

    private mutating func enter() throws(WireError) {
        depth += 1
        if depth > maxDepth { throw syntax("nesting deeper than \(maxDepth)") }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(WireError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
              bytes[index..<index + count].elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        else { throw syntax("invalid literal") }
        index += count
    }

    private mutating func scanNumber() throws(WireError) -> Range<Int> {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        guard digits() > 0 else { throw syntax("invalid number") }
        if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 { throw syntax("leading zero in number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw syntax("invalid fraction") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw syntax("invalid exponent") }
        }
        return start..<index
    }

    /// A string at the opening quote: its raw bytes when it has no escapes, else the decoded text.
    private mutating func scanString() throws(WireError) -> JSONKey {
        index += 1
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return .plain(start..<index - 1)
            case UInt8(ascii: "\\"):
                index = start
                return .escaped(try scanEscapedString())
            case 0..<0x20:
                throw syntax("control character in string")
            default:
                index += 1
            }
        }
        throw syntax("unterminated string")
    }

    private mutating func scanEscapedString() throws(WireError) -> String {
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: out, as: UTF8.self) else { throw syntax("string is not valid UTF-8") }
                return string
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw syntax("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(34)
                case UInt8(ascii: "\\"): out.append(92)
                case UInt8(ascii: "/"): out.append(47)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"): out += try scanUnicodeEscape()
                default: throw syntax("invalid escape")
                }
            case 0..<0x20: throw syntax("control character in string")
            default: out.append(byte)
            }
        }
        throw syntax("unterminated string")
    }

    private mutating func scanUnicodeEscape() throws(WireError) -> [UInt8] {
        var scalar = try scanHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard index + 1 < bytes.count, bytes[index] == 92, bytes[index + 1] == UInt8(ascii: "u") else {
                throw syntax("unpaired surrogate")
            }
            index += 2
            let low = try scanHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw syntax("invalid surrogate pair") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw syntax("unpaired surrogate")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw syntax("invalid unicode escape") }
        return Array(String(Character(unicode)).utf8)
    }

    private mutating func scanHex4() throws(WireError) -> UInt32 {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw syntax("invalid unicode escape") }
        index += 4
        return value
    }
}

/// A message's JSON keys: the proto field names, matched exactly first, then loosely (case and
/// underscores ignored) so `frameworkId` and `frameworkID` find `framework_id` as Mesos' parser does.
struct JSONFieldTable: Sendable {
    private let names: [[UInt8]]
    private let looseNames: [[UInt8]]

    init(_ names: [StaticString]) {
        self.names = names.map { Array(UnsafeBufferPointer(start: $0.utf8Start, count: $0.utf8CodeUnitCount)) }
        looseNames = self.names.map(JSONFieldTable.loose)
    }

    func index(of key: UnsafeBufferPointer<UInt8>) -> Int {
        for (position, name) in names.enumerated() where name.count == key.count && name.elementsEqual(key) {
            return position
        }
        let loose = JSONFieldTable.loose(key)
        return looseNames.firstIndex(of: loose) ?? -1
    }

    private static func loose<C: Collection<UInt8>>(_ name: C) -> [UInt8] {
        name.compactMap { byte in
            switch byte {
            case UInt8(ascii: "_"): nil
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
            default: byte
            }
        }
    }
}

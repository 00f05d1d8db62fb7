/// The secret an agent presents with every call once registered: 256 random bits, written as four hexadecimal words
/// joined by '-' (the form agents and the registry hold). The master keeps the words themselves: no string per agent,
/// and checking a call's token allocates nothing.
struct AgentToken: CustomStringConvertible {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    private init(_ words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// A fresh token from the system's random source.
    static func random() -> AgentToken {
        var generator = SystemRandomNumberGenerator()
        return AgentToken((generator.next(), generator.next(), generator.next(), generator.next()))
    }

    /// Reads a token exactly as `description` writes it (four lower-case words without leading zeros), else nil:
    /// another spelling of the same words is not the token the agent was given.
    init?(_ text: String) {
        var words: [UInt64] = [0, 0, 0, 0]
        var index = 0
        var digits = 0
        var leadingZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-") {
                guard index < 3, Self.endsWord(digits: digits, leadingZero: leadingZero) else { return nil }
                index += 1
                digits = 0
                continue
            }
            guard digits < 16, let value = Self.hexDigit(byte) else { return nil }
            if digits == 0 { leadingZero = value == 0 }
            words[index] = words[index] << 4 | UInt64(truncatingIfNeeded: value)
            digits += 1
        }
        guard index == 3, Self.endsWord(digits: digits, leadingZero: leadingZero) else { return nil }
        self.init((words[0], words[1], words[2], words[3]))
    }

    /// Whether the digits read so far make a word as `description` writes it: one digit, or more without a leading 0.
    private static func endsWord(digits: Int, leadingZero: Bool) -> Bool {
        digits == 1 || (digits > 1 && !leadingZero)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    var description: String {
        [words.0, words.1, words.2, words.3].map { String($0, radix: 16) }.joined(separator: "-")
    }

    /// Whether `other` is this token, in time that does not depend on where they differ.
    func matches(_ other: AgentToken) -> Bool {
        (words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3) == 0
    }
}

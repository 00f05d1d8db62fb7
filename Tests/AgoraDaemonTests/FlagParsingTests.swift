import AgoraAgent
import AgoraDaemon
import AgoraWire
import Testing

@Suite struct FlagParsingTests {
    @Test(arguments: [
        ("15secs", 15.0), ("500ms", 0.5), ("2mins", 120), ("1hrs", 3600), ("7days", 604_800), ("10s", 10), ("3", 3),
        ("0.5secs", 0.5), ("1weeks", 604_800),
    ])
    func durationsInMesosSyntax(_ text: String, _ seconds: Double) throws {
        #expect(try parseDuration(text).seconds == seconds)
    }

    @Test(arguments: ["", "secs", "-1secs", "5 parsecs", "1.2.3s", "abc"])
    func badDurationsAreRefused(_ text: String) {
        #expect(throws: FlagError.self) { _ = try parseDuration(text) }
    }

    @Test func attributesAreTextOrScalars() throws {
        let attributes = try parseAttributes("rack:r1; zone:a;level:3")
        #expect(attributes == [.text("rack", "r1"), .text("zone", "a"),
                               Attribute(name: "level", type: .scalar, scalar: Scalar(3))])
        #expect(try parseAttributes("").isEmpty)
        #expect(throws: (any Error).self) { _ = try parseAttributes("rack") }
        #expect(throws: (any Error).self) { _ = try parseAttributes("rack:") }
    }
}

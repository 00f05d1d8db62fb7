import AgoraRuntime
import Foundation
import Testing

@Suite struct UTCTimestampTests {
    @Test func writesUTCWithMilliseconds() {
        #expect(UTCTimestamp.string(secondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.string(secondsSince1970: 1_795_848_057.0069) == "2026-11-28T06:40:57.006Z")
        #expect(UTCTimestamp.string(secondsSince1970: 951_782_400.5) == "2000-02-29T00:00:00.500Z")
        #expect(UTCTimestamp.string(secondsSince1970: -0.25) == "1969-12-31T23:59:59.750Z")
    }

    @Test func agreesWithFoundationsISO8601Reading() {
        let reader = ISO8601DateFormatter()
        reader.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for seconds in stride(from: 0.0, to: 4_000_000_000, by: 123_456_789.125) {
            let text = UTCTimestamp.string(secondsSince1970: seconds)
            let back = reader.date(from: text)?.timeIntervalSince1970
            #expect(back.map { abs($0 - seconds) < 0.001 } == true, "\(text)")
        }
    }
}

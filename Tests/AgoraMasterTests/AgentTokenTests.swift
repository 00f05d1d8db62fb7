@testable import AgoraMaster
import Testing

@Suite struct AgentTokenTests {
    @Test func aTokenReadsBackFromWhatItWrites() throws {
        for _ in 0..<100 {
            let token = AgentToken.random()
            let read = try #require(AgentToken(token.description))
            #expect(read.matches(token))
            #expect(read.description == token.description)
            #expect(!AgentToken.random().matches(token))
        }
        #expect(AgentToken("0-0-0-0")?.description == "0-0-0-0")
        #expect(AgentToken("ffffffffffffffff-1-a-10")?.description == "ffffffffffffffff-1-a-10")
    }

    @Test func onlyTheSpellingItWritesIsAToken() {
        for text in ["", "-", "1-2-3", "1-2-3-4-5", "1-2-3-", "-1-2-3", "1--2-3", "A-2-3-4", "0a-2-3-4", "00-1-2-3",
                     "1ffffffffffffffff-2-3-4", "1-2-3-g", "1 -2-3-4", "1-2-3-4\n", "１-2-3-4"] {
            #expect(AgentToken(text) == nil, "\(text)")
        }
    }
}

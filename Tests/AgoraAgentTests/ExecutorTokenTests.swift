@testable import AgoraAgent
import Testing

/// The secret a task's executor presents to its agent.
@Suite struct ExecutorTokenTests {
    @Test func everyTokenIs32HexDigitsAndNoTwoAreTheSame() {
        let tokens = (0..<1_000).map { _ in TaskRun.newExecutorToken() }
        for token in tokens {
            #expect(token.utf8.count == 32)
            #expect(token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(Set(tokens).count == tokens.count)
        // Leading zeros are written: over 1,000 tokens a word starting with 0 is all but certain (1 in 16 each).
        #expect(tokens.contains { $0.hasPrefix("0") || $0.dropFirst(16).hasPrefix("0") })
    }
}

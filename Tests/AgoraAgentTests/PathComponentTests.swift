@testable import AgoraAgent
import Testing

/// Framework-given ids as one component of a path on the agent (sandboxes, cgroups).
@Suite struct PathComponentTests {
    @Test func plainIdsStayAndOthersLoseWhatCouldLeaveTheirDirectory() {
        #expect(PathComponent.safe("web-1.run_2") == "web-1.run_2")
        #expect(PathComponent.safe("a/b c") == "a_b_c")
        #expect(PathComponent.safe("t\u{e9}che") == "t\u{e9}che")
        #expect(PathComponent.safe("x\0y\n") == "x_y_")
        #expect(PathComponent.safe(".") == "_")
        #expect(PathComponent.safe("..") == "__")
        #expect(PathComponent.safe("...") == "...")
        #expect(PathComponent.safe("") == "")
    }
}

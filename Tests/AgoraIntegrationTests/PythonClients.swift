import Foundation
import Testing

/// The unmodified Python clients (pymesos, marathon, chronos-python) that `make deps` installs, and the fixture
/// scripts that drive them.
enum PythonClients {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The fixture script `name` (in Tests/AgoraIntegrationTests/Fixtures).
    static func fixture(_ name: String) -> String { repositoryRoot + "/Tests/AgoraIntegrationTests/Fixtures/" + name }

    /// The virtual environment's Python, or nil after recording that the clients are missing.
    static func python(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let python = repositoryRoot + "/.build/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("the Python clients are not installed: run `make deps` (it creates \(python))", sourceLocation: sourceLocation)
            return nil
        }
        return python
    }
}

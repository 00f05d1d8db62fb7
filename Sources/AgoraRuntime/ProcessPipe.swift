internal import CLibUV
import Glibc

/// A pipe between two child processes (a task and its log rotator): the parent hands one end to each child,
/// then closes both of its copies so the reader sees the end of the stream when the writer exits.
public struct ProcessPipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws(RuntimeError) {
        var ends: [uv_file] = [0, 0]
        try check(uv_pipe(&ends, 0, 0), "uv_pipe")
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    /// Closes the parent's copies of both ends.
    public func close() {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }
}

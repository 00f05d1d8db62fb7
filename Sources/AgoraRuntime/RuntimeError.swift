internal import CLibUV

/// A failed libuv call: the libuv error name (`ECONNREFUSED`), its text, and the call that failed.
public struct RuntimeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The stable libuv error name, such as `EADDRINUSE`.
    public let code: String
    /// The human text libuv gives for the error.
    public let message: String
    /// The libuv function that failed, such as `uv_tcp_bind`.
    public let call: String
    /// The negative libuv status.
    public let status: Int32

    public init(status: Int32, call: String) {
        self.status = status
        self.call = call
        self.code = String(cString: uv_err_name(status))
        self.message = String(cString: uv_strerror(status))
    }

    /// An error raised by Agora itself rather than libuv (for example invalid arguments).
    public init(code: String, message: String, call: String) {
        self.status = 0
        self.code = code
        self.message = message
        self.call = call
    }

    public var description: String { "\(call): \(code) (\(message))" }
}

/// Turns a libuv status into a thrown `RuntimeError` when it is negative.
@discardableResult
func check(_ status: Int32, _ call: String) throws(RuntimeError) -> Int32 {
    if status < 0 { throw RuntimeError(status: status, call: call) }
    return status
}

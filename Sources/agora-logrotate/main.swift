import AgoraRuntime
import Glibc

// agora-logrotate FILE MAX_BYTES MAX_FILES
//
// The agent's container logger for custom executors (Agora's command executor rotates its task's output itself):
// copies its standard input into FILE, rotated as `RotatingLog` does, so the output never takes more than
// MAX_BYTES × MAX_FILES bytes of the sandbox. Exits when the input ends.

func fail(_ message: String) -> Never {
    let line = Array("agora-logrotate: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(64)
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let maxBytes = Int(arguments[2]), maxBytes > 0,
      let maxFiles = Int(arguments[3]), (1...1000).contains(maxFiles) else {
    fail("usage: agora-logrotate FILE MAX_BYTES MAX_FILES (MAX_BYTES > 0, MAX_FILES 1-1000)")
}
let log: RotatingLog
do {
    log = try RotatingLog(path: arguments[1], maxBytes: maxBytes, maxFiles: maxFiles)
} catch {
    fail("cannot open \(arguments[1]): \(error.message)")
}
var buffer = [UInt8](repeating: 0, count: 65_536)
while true {
    let count = read(0, &buffer, buffer.count)
    if count < 0 && errno == EINTR { continue }
    if count <= 0 { break }
    buffer.withUnsafeBytes { log.write(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
}
log.close()

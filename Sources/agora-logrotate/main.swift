import Glibc

// agora-logrotate FILE MAX_BYTES MAX_FILES
//
// The agent's container logger (as Mesos' logrotate logger): copies its standard input into FILE and, before FILE
// would pass MAX_BYTES, renames it to FILE.1 (FILE.1 to FILE.2, …), keeping MAX_FILES files in all, so a task's
// output never takes more than MAX_BYTES × MAX_FILES bytes of its sandbox. Exits when the input ends.

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
let path = arguments[1]

func openLog() -> (fd: Int32, size: Int) {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { fail("cannot open \(path): \(String(cString: strerror(errno)))") }
    var info = stat()
    return (fd, fstat(fd, &info) == 0 ? Int(info.st_size) : 0)
}

func rotate(_ fd: Int32) -> (fd: Int32, size: Int) {
    close(fd)
    if maxFiles == 1 {
        unlink(path)
    } else {
        unlink("\(path).\(maxFiles - 1)")
        for index in stride(from: maxFiles - 2, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
        rename(path, "\(path).1")
    }
    return openLog()
}

var (fd, size) = openLog()
var buffer = [UInt8](repeating: 0, count: 65_536)
while true {
    let count = read(0, &buffer, buffer.count)
    if count < 0 && errno == EINTR { continue }
    if count <= 0 { break }
    var offset = 0
    while offset < count {
        if size >= maxBytes { (fd, size) = rotate(fd) }
        let chunk = min(count - offset, maxBytes - size)
        let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, chunk) }
        if written < 0 {
            if errno == EINTR { continue }
            // A full disk or a removed sandbox: keep draining so the task is never blocked on its output.
            offset = count
            break
        }
        offset += written
        size += written
    }
}
close(fd)

import AgoraFetch
import AgoraRuntime
import Glibc

// agora-fetcher --sandbox DIR --timeout SECONDS ([--extract] [--executable] [--output-file NAME] --uri URI)...
//
// Agora's fetcher (as Mesos' mesos-fetcher): the agent runs it as the task's user before the task's executor, to put
// each of the task's `CommandInfo.uris` into its sandbox. Flags before a `--uri` apply to that URI. A download is
// written beside its final name and renamed into place; `--executable` makes it 0755; `--extract` unpacks a tar
// (plain, gz, bz2, xz), zip or gz archive into the sandbox. Exits 0 when every URI is in place; otherwise 1, the
// last line on stderr saying which URI failed and why.

func fail(_ message: String, code: Int32 = 1) -> Never {
    let line = Array("agora-fetcher: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(code)
}

struct FetchItem {
    var uri = ""
    var extract = false
    var executable = false
    var outputFile: String?
}

var sandbox: String?
var timeout = 600
var items: [FetchItem] = []
var pending = FetchItem()
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--sandbox": sandbox = arguments.next()
    case "--timeout":
        guard let value = arguments.next().flatMap({ Int($0) }), value > 0 else { fail("--timeout needs a positive number of seconds", code: 64) }
        timeout = value
    case "--extract": pending.extract = true
    case "--executable": pending.executable = true
    case "--output-file": pending.outputFile = arguments.next()
    case "--uri":
        guard let uri = arguments.next(), !uri.isEmpty else { fail("--uri needs a value", code: 64) }
        pending.uri = uri
        items.append(pending)
        pending = FetchItem()
    default: fail("unknown argument '\(argument)'", code: 64)
    }
}
guard let sandbox else { fail("--sandbox is required", code: 64) }

/// The file name a URI is stored under: its output file, else the last part of its path.
func fileName(of item: FetchItem) -> String? {
    if let name = item.outputFile { return name.isEmpty || name.contains("/") || name == "." || name == ".." ? nil : name }
    let path = item.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? item.uri
    let last = path.split(separator: "/").last.map(String.init) ?? ""
    return last.isEmpty || last == "." || last == ".." || last.contains(":") ? nil : last
}

/// The command that unpacks `file` into the sandbox, or nil for a file that is not an archive.
func extractor(for file: String, name: String) -> [String]? {
    let lower = name.lowercased()
    if [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz"].contains(where: { lower.hasSuffix($0) }) {
        return ["/usr/bin/env", "tar", "-C", sandbox, "-xf", file]
    }
    if lower.hasSuffix(".zip") { return ["/usr/bin/env", "unzip", "-o", "-q", "-d", sandbox, file] }
    if lower.hasSuffix(".gz") {
        return ["/bin/sh", "-c", "gzip -dc \"$1\" > \"$2\"", "gunzip", file, sandbox + "/" + String(name.dropLast(3))]
    }
    return nil
}

func run(_ argv: [String]) -> ProcessExit? {
    guard let loop = try? Loop() else { return nil }
    var exit: ProcessExit?
    guard let process = try? ChildProcess.spawn(loop: loop, ProcessSpec(command: .argv(argv), environment: ["PATH": "/usr/bin:/bin"],
                                                                         workingDirectory: sandbox), onExit: { exit = $0 }) else { return nil }
    withExtendedLifetime(process) { loop.run() }
    return exit
}

for item in items {
    guard let name = fileName(of: item) else { fail("cannot name the file for '\(item.uri)': give it an output_file") }
    let path = sandbox + "/" + name
    do {
        try URLDownload.download(item.uri, to: path + ".fetching", timeoutSeconds: timeout)
    } catch {
        unlink(path + ".fetching")
        fail("cannot fetch '\(item.uri)': \(error.message)")
    }
    guard rename(path + ".fetching", path) == 0 else { fail("cannot put '\(item.uri)' in place as \(name)") }
    if item.executable { chmod(path, 0o755) }
    if item.extract, let command = extractor(for: path, name: name) {
        let exit = run(command)
        guard exit?.succeeded == true else {
            fail("cannot extract '\(item.uri)' (\(exit.map(String.init(describing:)) ?? "the extractor did not start"))")
        }
    }
    print("fetched \(item.uri) into \(name)")
}

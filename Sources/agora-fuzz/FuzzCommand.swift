// agora-fuzz: libFuzzer over Agora's decoders. AGORA_FUZZ_TARGET picks the decoder (`list` prints them); every
// argument is libFuzzer's (corpus directories, -max_total_time=…, -runs=…). `make fuzz` runs each in turn.

import AgoraFuzzTargets
import Glibc

let selected: FuzzTarget = {
    let name = getenv("AGORA_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    if let target = FuzzTarget.named(name) { return target }
    // Leave at once (_exit): libFuzzer reports an ordinary exit from a target as a failure.
    let text = name == "list" ? FuzzTarget.all.map { $0.name + "\n" }.joined()
        : "set AGORA_FUZZ_TARGET to one of (or list): " + FuzzTarget.all.map(\.name).joined(separator: " ") + "\n"
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(name == "list" ? 1 : 2, $0.baseAddress, $0.count) }
    _exit(name == "list" ? 0 : 64)
}()

/// libFuzzer's set-up hook: picks the target before any input runs.
@_cdecl("LLVMFuzzerInitialize")
func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    _ = selected
    return 0
}

/// One input for the selected target (libFuzzer's callback, also exported under its standard name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

#if !AGORA_FUZZ_BUILD
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Hands the command line to libFuzzer's driver. The instrumented build (`make fuzz`, AGORA_FUZZ_BUILD) links
/// libFuzzer's own main instead, which calls `LLVMFuzzerTestOneInput` directly.
@main
enum FuzzCommand {
    static func main() {
        _ = selected
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
#endif

import Foundation

// agora-bench [--quick] [http] [recordio] [wire] [allocator] [cluster]: prints throughput figures for the transport and the codecs
// (release build: `make bench`). Each line is one measurement; nothing here passes or fails on time.

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let selected = Set(arguments.filter { !$0.hasPrefix("--") })
func enabled(_ name: String) -> Bool { selected.isEmpty || selected.contains(name) }
let duration: Duration = quick ? .milliseconds(500) : .seconds(3)

print("agora-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(quick ? "quick" : "full") run")
if enabled("http") {
    try HTTPBench.requests(connections: 1, duration: duration)
    try HTTPBench.requests(connections: 64, duration: duration)
}
if enabled("recordio") { try HTTPBench.recordIOStream(events: quick ? 50_000 : 1_000_000) }
if enabled("wire") { try WireBench.run(iterations: quick ? 2_000 : 50_000) }
if enabled("allocator") { try AllocatorBench.run(quick: quick) }
if enabled("cluster") { try ClusterBench.run(count: quick ? 100 : 1000) }
print("peak RSS: \(format(peakRSSMiB(), 1)) MiB")

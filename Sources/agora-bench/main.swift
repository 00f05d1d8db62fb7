import Foundation

// agora-bench [--quick] [http] [recordio] [wire] [allocator] [cluster] [scale] [dns] [lb]: prints throughput figures for the transport,
// the codecs, the master, service discovery and load balancing
// (release build: `make bench`). Each line is one measurement; nothing here passes or fails on time.
// agora-bench scale --agents N --frameworks F --tasks T [--task-seconds S] [--max-in-flight M]: the master against
// simulated agents;
// agora-bench scale-services --agents N --instances I and scale-cron --agents N --jobs J: the frameworks at scale.

if CommandLine.arguments.dropFirst().first == "simulate-agents" {
    try SimulatedAgents.run(Array(CommandLine.arguments.dropFirst(2)))
}
if CommandLine.arguments.dropFirst().first == "scale-services" {
    try ScaleBench.services(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "scale-cron" {
    try ScaleBench.cron(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "scale" {
    try ScaleBench.run(try ScaleBench.parse(Array(CommandLine.arguments.dropFirst(2))))
    exit(0)
}

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
if enabled("dns") { try DiscoveryBench.dns(duration: duration) }
if enabled("lb") { try DiscoveryBench.lb(count: quick ? 5 : 20) }
if enabled("scale") {
    // A modest default; `agora-bench scale --agents 10000 --frameworks 100 --tasks 1000000` is the full one.
    try runScaleBenchInChild(quick ? ["--agents", "100", "--frameworks", "4", "--tasks", "2000"]
                                   : ["--agents", "1000", "--frameworks", "10", "--tasks", "20000"])
    // Tasks of 1 s never make a steady running set: the memory per running task is read off tasks that stay up.
    try runScaleBenchInChild(quick ? ["--agents", "100", "--frameworks", "4", "--tasks", "2000", "--task-seconds", "5"]
                                   : ["--agents", "1000", "--frameworks", "10", "--tasks", "30000", "--task-seconds", "60"])
}
print("peak RSS: \(format(peakRSSMiB(), 1)) MiB")

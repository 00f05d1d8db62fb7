import AgoraClusterTesting
import AgoraRuntime
import Foundation

// Throughput figures for the transport, the codecs, the master at scale, service discovery and load balancing (release
// build: `make bench`; `usage` below lists the commands). Each line is one measurement; nothing passes or fails on time.

/// The benchmarks run when none is named, in order.
let benchmarks = ["http", "recordio", "wire", "allocator", "cluster", "dns", "lb", "scale"]
let usage = """
    usage: agora-bench [--quick] [\(benchmarks.joined(separator: "] ["))]
           agora-bench scale --agents N --frameworks F --tasks T [--task-seconds S] [--max-in-flight M]
           agora-bench scale-services --agents N --instances I
           agora-bench scale-cron --agents N --jobs J [--spread]
    """

/// Runs what the command line names; a bad flag or name throws `BenchError`.
func runCommandLine(_ arguments: [String]) throws {
    if arguments.contains("--help") || arguments.contains("-h") {
        print(usage)
        return
    }
    switch arguments.first {
    case "simulate-agents": return try SimulatedAgents.run(Array(arguments.dropFirst()))
    case "scale-services": return try ScaleBench.services(Array(arguments.dropFirst()))
    case "scale-cron": return try ScaleBench.cron(Array(arguments.dropFirst()))
    case "scale": return try ScaleBench.run(try ScaleBench.parse(Array(arguments.dropFirst())))
    default: break
    }
    let quick = arguments.contains("--quick")
    if let flag = arguments.first(where: { $0.hasPrefix("-") && $0 != "--quick" }) { throw BenchError("unknown flag \(flag)") }
    let selected = Set(arguments.filter { !$0.hasPrefix("-") })
    if let unknown = selected.subtracting(benchmarks).sorted().first { throw BenchError("no benchmark is called \(unknown)") }
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
        // A modest default; `agora-bench scale --agents 10000 --frameworks 10 --tasks 1000000` is the full one.
        try runScaleBenchInChild(quick ? ["--agents", "100", "--frameworks", "4", "--tasks", "2000"]
                                       : ["--agents", "1000", "--frameworks", "10", "--tasks", "20000"])
        // Tasks of 1 s never make a steady running set: the memory per running task is read off tasks that stay up.
        try runScaleBenchInChild(quick ? ["--agents", "100", "--frameworks", "4", "--tasks", "2000", "--task-seconds", "5"]
                                       : ["--agents", "1000", "--frameworks", "10", "--tasks", "30000", "--task-seconds", "60"])
    }
    print("peak RSS: \(format(peakRSSMiB(), 1)) MiB")
}

do {
    try runCommandLine(Array(CommandLine.arguments.dropFirst()))
} catch let interrupted as Interrupted {
    FileHandle.standardError.write(Data("agora-bench: \(interrupted); what it had started is stopped and removed\n".utf8))
    exit(128 + interrupted.signal.rawValue)
} catch let error as BenchError {
    FileHandle.standardError.write(Data("agora-bench: \(error)\n\(usage)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("agora-bench: \(error)\n".utf8))
    exit(1)
}

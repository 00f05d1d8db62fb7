import AgoraRuntime
import AgoraWire
import Foundation

/// Latency samples and rates, printed as one line per benchmark.
struct Measurement {
    var latencies: [Double] = []

    mutating func record(_ seconds: Double) { latencies.append(seconds) }

    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Bounds.clampedInt(Double(sorted.count) * p))]
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Peak resident memory of this process in MiB.
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// CPU seconds (user and system) process `pid` has used; with `reapedChildren`, also those of the children it has
/// waited for (and theirs, down the tree).
func cpuSeconds(_ pid: Int32, reapedChildren: Bool = false) -> Double {
    let stat = (try? Files.readText("/proc/\(pid)/stat")) ?? ""
    // Fields after the command (which may hold spaces): utime and stime are the 12th and 13th, cutime and cstime the
    // 14th and 15th.
    guard let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    let used = (11..<(reapedChildren ? 15 : 13)).map { fields.count > $0 ? Double(fields[$0]) ?? 0 : 0 }
    return used.reduce(0, +) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds used by processes `pids` and all their descendants: the ones they have waited for, and those still
/// running (with theirs). /proc is read once for all of them.
func treeCPUSeconds(_ pids: [Int32]) -> Double {
    var children: [Int32: [Int32]] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let process = Int32(entry), let stat = try? Files.readText("/proc/\(entry)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        // The parent's pid is the second field after the command.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(process) }
    }
    func tree(_ pid: Int32) -> Double {
        (children[pid] ?? []).reduce(cpuSeconds(pid, reapedChildren: true)) { $0 + tree($1) }
    }
    return pids.reduce(0) { $0 + tree($1) }
}

func report(_ name: String, _ fields: [(String, String)]) {
    let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    print(padded + fields.map { "\($0.0)=\($0.1)" }.joined(separator: "  "))
    fflush(nil)
}

func format(_ value: Double, _ digits: Int = 0) -> String {
    String(format: "%.\(digits)f", value)
}

import AgoraWire
import Foundation

/// What this host can offer when `--resources` does not say: all cores, memory and work-dir disk
/// less what the host itself needs (as Mesos: up to 1 GiB of memory and 5 GiB of disk held back).
public enum HostResources {
    public static func detect(workDirectory: String) -> Resources {
        var resources = Resources()
        resources.add(scalar: "cpus", Double(ProcessInfo.processInfo.activeProcessorCount))
        let memoryMB = Double(ProcessInfo.processInfo.physicalMemory) / 1_048_576
        resources.add(scalar: "mem", max(memoryMB - min(1024, memoryMB / 2), 0).rounded(.down))
        var stats = statvfs()
        if statvfs(workDirectory, &stats) == 0 {
            let diskMB = Double(stats.f_bavail) * Double(stats.f_frsize) / 1_048_576
            resources.add(scalar: "disk", max(diskMB - min(5120, diskMB / 2), 0).rounded(.down))
        }
        resources.add(ranges: "ports", RangeSet([31000...32000]))
        return resources
    }
}

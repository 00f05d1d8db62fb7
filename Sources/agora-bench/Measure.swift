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

func report(_ name: String, _ fields: [(String, String)]) {
    let padded = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    print(padded + fields.map { "\($0.0)=\($0.1)" }.joined(separator: "  "))
    fflush(nil)
}

func format(_ value: Double, _ digits: Int = 0) -> String {
    String(format: "%.\(digits)f", value)
}

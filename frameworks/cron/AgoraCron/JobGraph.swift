/// The dependency graph of jobs: validation (unknown parents, cycles) and readiness of a child.
public enum JobGraph {
    /// Why a set of parents is not acceptable for `job`, or nil when it is.
    /// `parentsOf` gives the current parents of every known job.
    public static func problem(job: String, parents: [String], parentsOf: [String: [String]]) -> String? {
        if parents.contains(job) { return "job \(job) cannot depend on itself" }
        if let unknown = parents.first(where: { parentsOf[$0] == nil }) { return "parent job \(unknown) does not exist" }
        var graph = parentsOf
        graph[job] = parents
        // A cycle through `job` exists when `job` is reachable from one of its parents.
        var stack = parents
        var seen = Set<String>()
        while let next = stack.popLast() {
            if next == job { return "parents \(parents.joined(separator: ", ")) would make a cycle through \(job)" }
            guard seen.insert(next).inserted else { continue }
            stack += graph[next] ?? []
        }
        return nil
    }

    /// Whether a dependent job should run: every parent succeeded, and did so since the child's last run.
    public static func isReady(parentSuccesses: [Double?], lastRun: Double?) -> Bool {
        guard !parentSuccesses.isEmpty else { return false }
        return parentSuccesses.allSatisfy { success in
            guard let success else { return false }
            return lastRun.map { success > $0 } ?? true
        }
    }

    /// Jobs in an order where every parent comes before its children (names sorted within a level).
    public static func order(_ parentsOf: [String: [String]]) -> [String] {
        var remaining = parentsOf
        var ordered: [String] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.value.allSatisfy { remaining[$0] == nil } }.keys.sorted()
            if ready.isEmpty { return ordered + remaining.keys.sorted() }
            for name in ready { remaining[name] = nil }
            ordered += ready
        }
        return ordered
    }
}

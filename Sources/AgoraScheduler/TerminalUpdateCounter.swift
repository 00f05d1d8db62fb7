import AgoraWire

/// Counts the terminal status updates a framework receives, and those for a task whose end it already had (an end
/// reported twice: what recovery must never cause). Remembers the last `capacity` ended tasks.
public struct TerminalUpdateCounter: Sendable {
    public private(set) var total = 0
    public private(set) var repeated = 0
    private var ended: Set<TaskID> = []
    private var order: [TaskID] = []
    private var oldest = 0
    private let capacity: Int

    public init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    public mutating func observe(_ status: TaskStatus) {
        guard status.state.isTerminal else { return }
        total += 1
        guard ended.insert(status.taskID).inserted else {
            repeated += 1
            return
        }
        if order.count < capacity {
            order.append(status.taskID)
        } else {
            ended.remove(order[oldest])
            order[oldest] = status.taskID
            oldest = (oldest + 1) % capacity
        }
    }
}

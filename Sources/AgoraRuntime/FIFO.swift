/// A first-in first-out queue whose `popFirst` is O(1) amortized (an array's `removeFirst` moves every element left:
/// quadratic for a long queue, such as thousands of requests pipelined on one connection).
public struct FIFO<Element> {
    private var elements: [Element] = []
    /// Where the queue starts in `elements`; the slots before it are spent.
    private var head = 0

    public init() {}

    public var isEmpty: Bool { head == elements.count }
    public var count: Int { elements.count - head }
    public var first: Element? { isEmpty ? nil : elements[head] }

    public mutating func append(_ element: Element) {
        elements.append(element)
    }

    public mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = elements[head]
        head += 1
        if head == elements.count {
            elements.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= elements.count {
            // Spent slots are dropped once they are half the array: each element moves at most once per halving.
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Empties the queue and returns what it held, oldest first.
    public mutating func removeAll() -> [Element] {
        let remaining = Array(elements[head...])
        elements = []
        head = 0
        return remaining
    }
}

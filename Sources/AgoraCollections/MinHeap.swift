/// A binary min-heap: `push` and `popMin` in O(log n), `min` in O(1). Timers that many entries share (updates
/// waiting to be resent) pop only what is due instead of scanning everything.
public struct MinHeap<Element: Comparable> {
    private var elements: [Element] = []

    public init() {}

    public var isEmpty: Bool { elements.isEmpty }
    public var count: Int { elements.count }
    public var min: Element? { elements.first }

    public mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    public mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let smallest = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < elements.count && elements[left] < elements[least] { least = left }
            if right < elements.count && elements[right] < elements[least] { least = right }
            guard least != parent else { break }
            elements.swapAt(parent, least)
            parent = least
        }
        return smallest
    }

    public mutating func removeAll() {
        elements.removeAll()
    }
}

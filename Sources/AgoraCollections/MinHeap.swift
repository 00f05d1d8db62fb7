/// A binary min-heap: `push` and `popMin` in O(log n), `min` in O(1). Timers that many entries share (updates
/// waiting to be resent, refusal filters ending) pop only what is due instead of scanning everything. Inlinable, so
/// that it is specialized for its callers' elements.
public struct MinHeap<Element: Comparable> {
    @usableFromInline var elements: [Element] = []

    @inlinable public init() {}

    @inlinable public var isEmpty: Bool { elements.isEmpty }
    @inlinable public var count: Int { elements.count }
    @inlinable public var min: Element? { elements.first }

    @inlinable public mutating func push(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable public mutating func popMin() -> Element? {
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

    @inlinable public mutating func removeAll() {
        elements.removeAll()
    }
}

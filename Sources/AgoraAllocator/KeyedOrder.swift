/// Something kept in an ordered list by a key it carries (unique within the list).
protocol OrderKeyed: AnyObject {
    associatedtype OrderKey: Comparable
    var orderKey: OrderKey { get }
}

/// Objects in ascending order of their keys, found by binary search and moved when a key changes: an allocation
/// cycle reads the most deserving first instead of scanning every framework for every agent.
struct KeyedOrder<Element: OrderKeyed> {
    private(set) var items: [Element] = []

    /// The position of the first item whose key is not below `key`.
    private func position(of key: Element.OrderKey) -> Int {
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle].orderKey < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ element: Element) {
        items.insert(element, at: position(of: element.orderKey))
    }

    mutating func remove(_ element: Element) {
        let index = position(of: element.orderKey)
        if index < items.count, items[index] === element {
            items.remove(at: index)
        } else if let found = items.firstIndex(where: { $0 === element }) {
            items.remove(at: found)
        }
    }

    /// Moves `element` after `change` alters its key.
    mutating func rekey(_ element: Element, _ change: () -> Void) {
        remove(element)
        change()
        insert(element)
    }

    /// Sorts everything again (after keys changed wholesale).
    mutating func resort() { items.sort { $0.orderKey < $1.orderKey } }
}

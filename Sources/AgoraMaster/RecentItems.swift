/// The last `capacity` items appended, oldest first: a ring, so appending past the capacity overwrites the oldest
/// slot instead of moving every item (a framework's completed tasks: one append per task that ends).
struct RecentItems<Element> {
    let capacity: Int
    private var slots: [Element] = []
    /// Where the oldest item is once the ring is full.
    private var start = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a ring holds at least one item")
        self.capacity = capacity
    }

    var count: Int { slots.count }

    mutating func append(_ item: Element) {
        if slots.count < capacity {
            slots.append(item)
        } else {
            slots[start] = item
            start = (start + 1) % capacity
        }
    }

    /// The items, oldest first.
    var items: [Element] { Array(slots[start...] + slots[..<start]) }
}

/// A map kept as one array sorted by key, for maps of a handful of keys (the names in a bag of resources): a lookup
/// compares a few keys instead of hashing one, and the whole map is one allocation. Lookups are linear, so it is no
/// replacement for a dictionary of many keys.
public struct SortedMap<Key: Comparable, Value> {
    public typealias Element = (key: Key, value: Value)

    /// The entries, in ascending key order. Every member is inlinable: a generic type in its own module is otherwise
    /// not specialized for its callers' keys and values (the allocator ran six times slower).
    @usableFromInline var storage: [Element] = []

    @inlinable public init() {}

    @inlinable public var isEmpty: Bool { storage.isEmpty }
    @inlinable public var count: Int { storage.count }
    @inlinable public var keys: LazyMapSequence<[Element], Key> { storage.lazy.map(\.key) }

    /// Where `key` is, or where it would go.
    @inlinable func position(of key: Key) -> (found: Bool, index: Int) {
        for index in storage.indices {
            let here = storage[index].key
            if here == key { return (true, index) }
            if key < here { return (false, index) }
        }
        return (false, storage.count)
    }

    /// The value of `key`; setting nil removes it.
    @inlinable public subscript(key: Key) -> Value? {
        get {
            let (found, index) = position(of: key)
            return found ? storage[index].value : nil
        }
        set {
            let (found, index) = position(of: key)
            switch (found, newValue) {
            case (true, let value?): storage[index].value = value
            case (true, nil): storage.remove(at: index)
            case (false, let value?): storage.insert((key, value), at: index)
            case (false, nil): break
            }
        }
    }

    @inlinable public subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        set { self[key] = newValue }
    }

    /// The entries `isIncluded` keeps, still a map.
    @inlinable public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> SortedMap {
        var out = SortedMap()
        out.storage = try storage.filter(isIncluded)
        return out
    }
}

extension SortedMap: Sequence {
    @inlinable public func makeIterator() -> IndexingIterator<[Element]> { storage.makeIterator() }
}

extension SortedMap: Equatable where Value: Equatable {
    @inlinable public static func == (left: SortedMap, right: SortedMap) -> Bool {
        left.storage.count == right.storage.count
            && zip(left.storage, right.storage).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension SortedMap: Hashable where Key: Hashable, Value: Hashable {
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.count)
        for (key, value) in storage {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}

extension SortedMap: Sendable where Key: Sendable, Value: Sendable {}

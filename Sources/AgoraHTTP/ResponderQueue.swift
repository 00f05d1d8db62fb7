/// The responders of a connection's requests, oldest first. The oldest is held apart from the rest: a connection
/// nearly always has at most one (a subscriber's has exactly one, for hours), so most connections hold no array.
struct ResponderQueue: Sequence {
    private(set) var first: HTTPResponder?
    private var rest: [HTTPResponder] = []

    var isEmpty: Bool { first == nil }
    var count: Int { first == nil ? 0 : 1 + rest.count }

    mutating func append(_ responder: HTTPResponder) {
        if first == nil { first = responder } else { rest.append(responder) }
    }

    mutating func removeFirst() {
        first = rest.isEmpty ? nil : rest.removeFirst()
    }

    mutating func removeAll() {
        first = nil
        rest.removeAll()
    }

    func makeIterator() -> IndexingIterator<[HTTPResponder]> {
        guard let first else { return rest.makeIterator() }
        return ([first] + rest).makeIterator()
    }
}

/// The value seen last, handed back for an equal one so that equal values share one storage: the instances of an
/// app ask for the same resources, and the hosts of a rack announce the same ones.
struct LastValue<Value: Equatable> {
    private var last: Value

    init(_ initial: Value) { last = initial }

    /// `value`, or the equal value seen last (sharing its storage).
    mutating func shared(_ value: Value) -> Value {
        if value == last { return last }
        last = value
        return value
    }
}

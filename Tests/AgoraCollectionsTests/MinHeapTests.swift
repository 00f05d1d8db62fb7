import AgoraCollections
import Testing

@Suite struct MinHeapTests {
    @Test func popsInAscendingOrderWhateverThePushOrder() {
        var heap = MinHeap<Int>()
        #expect(heap.isEmpty && heap.min == nil && heap.popMin() == nil)
        // A fixed pseudo-random order with repeats, pushes and pops interleaved.
        var state: UInt32 = 12345
        var pushed: [Int] = []
        var popped: [Int] = []
        for round in 0..<500 {
            state = state &* 1_103_515_245 &+ 12345
            let value = Int(state >> 16) % 100
            heap.push(value)
            pushed.append(value)
            if round % 3 == 0, let least = heap.popMin() {
                // Nothing still in the heap is smaller than what came out.
                #expect(heap.min.map { $0 >= least } ?? true)
                popped.append(least)
            }
        }
        #expect(heap.count == pushed.count - popped.count)
        var rest: [Int] = []
        while let next = heap.popMin() { rest.append(next) }
        #expect(rest == rest.sorted())
        #expect((popped + rest).sorted() == pushed.sorted())
    }
}

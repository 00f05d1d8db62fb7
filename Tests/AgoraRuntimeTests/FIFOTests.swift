import AgoraRuntime
import Testing

@Suite struct FIFOTests {
    @Test func elementsLeaveInTheOrderTheyCameThroughCompactions() {
        var queue = FIFO<Int>()
        #expect(queue.isEmpty && queue.first == nil && queue.popFirst() == nil)
        var expected = 0
        var next = 0
        // Uneven rounds of adding and taking, so the spent slots are dropped at many different points.
        for round in 0..<200 {
            for _ in 0..<(round % 7 + 3) {
                queue.append(next)
                next += 1
            }
            for _ in 0..<(round % 5 + 1) {
                #expect(queue.first == expected)
                #expect(queue.popFirst() == expected)
                expected += 1
            }
            #expect(queue.count == next - expected)
        }
        #expect(queue.removeAll() == Array(expected..<next))
        #expect(queue.isEmpty && queue.count == 0)
        queue.append(7)
        #expect(queue.popFirst() == 7 && queue.isEmpty)
    }
}

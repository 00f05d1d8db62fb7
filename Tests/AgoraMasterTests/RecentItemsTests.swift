@testable import AgoraMaster
import Testing

@Suite struct RecentItemsTests {
    @Test func itKeepsTheLastItemsOldestFirst() {
        var recent = RecentItems<Int>(capacity: 3)
        #expect(recent.items == [])
        recent.append(1)
        recent.append(2)
        #expect(recent.items == [1, 2])
        recent.append(3)
        #expect(recent.items == [1, 2, 3])
        for item in 4...8 {
            recent.append(item)
            #expect(recent.items == [item - 2, item - 1, item])
            #expect(recent.count == 3)
        }
    }
}

import AgoraCollections
import AgoraRuntimeTesting
import Testing

@Suite struct SortedMapTests {
    @Test func behavesAsADictionaryAndKeepsItsKeysInOrder() {
        var random = SplitMix64(seed: 7)
        var map = SortedMap<String, Int>()
        var reference: [String: Int] = [:]
        for _ in 0..<5_000 {
            let key = "k\(random.next() % 12)"
            switch random.next() % 4 {
            case 0:
                map[key] = nil
                reference[key] = nil
            case 1:
                map[key, default: 0] += 3
                reference[key, default: 0] += 3
            default:
                let value = Int(truncatingIfNeeded: random.next() % 100)
                map[key] = value
                reference[key] = value
            }
            #expect(map[key] == reference[key])
        }
        #expect(map.count == reference.count)
        #expect(Array(map.keys) == reference.keys.sorted())
        #expect(map.map(\.value) == reference.keys.sorted().map { reference[$0]! })
        let even = map.filter { $0.value % 2 == 0 }
        #expect(Array(even.keys) == reference.filter { $0.value % 2 == 0 }.keys.sorted())
    }

    @Test func equalMapsHashAlikeWhateverTheOrderTheyWereFilledIn() {
        var first = SortedMap<String, Int>()
        var second = SortedMap<String, Int>()
        for (key, value) in [("mem", 2), ("cpus", 1), ("disk", 3)] { first[key] = value }
        for (key, value) in [("disk", 3), ("mem", 2), ("cpus", 1)] { second[key] = value }
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        second["mem"] = nil
        #expect(first != second)
    }
}

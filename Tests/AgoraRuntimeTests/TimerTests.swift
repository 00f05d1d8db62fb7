import AgoraRuntime
import AgoraRuntimeTesting
import Testing

@Suite struct TimerTests {
    @Test func timersFireInDeadlineOrder() throws {
        var fired: [Int] = []
        try withLoop({ loop in
            for delay in [50, 10, 30, 20, 40, 0] {
                try loop.schedule(after: .milliseconds(delay)) { fired.append(delay) }
            }
        }, until: { fired.count == 6 })
        #expect(fired == [0, 10, 20, 30, 40, 50])
    }

    @Test func repeatingTimerFiresUntilStoppedAndWaitsItsInterval() throws {
        var ticks = 0
        var start: UInt64 = 0
        var elapsed: UInt64 = 0
        try withLoop({ loop in
            let timer = try LoopTimer(loop: loop)
            start = loop.nowMilliseconds
            timer.start(after: .milliseconds(5), repeating: .milliseconds(10)) {
                ticks += 1
                if ticks == 5 {
                    elapsed = loop.nowMilliseconds - start
                    timer.close()
                }
            }
        }, until: { ticks == 5 })
        #expect(elapsed >= 45)
    }

    @Test func cancelledTimerNeverFires() throws {
        var fired = false
        var done = false
        try withLoop({ loop in
            let timer = try loop.schedule(after: .milliseconds(20)) { fired = true }
            timer.close()
            try loop.schedule(after: .milliseconds(60)) { done = true }
        }, until: { done })
        #expect(!fired)
    }
}

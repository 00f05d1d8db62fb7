import AgoraRuntime
import Glibc
import AgoraRuntimeTesting
import Testing

@Suite struct ManualClockTests {
    @Test func workRunsInDueOrderOnlyWhenTimeIsAdvanced() {
        let clock = ManualClock(now: 100)
        var ran: [String] = []
        clock.schedule(in: .seconds(2)) { ran.append("b") }
        clock.schedule(in: .seconds(1)) { ran.append("a") }
        let cancelled = clock.schedule(in: .milliseconds(1500)) { ran.append("never") }
        cancelled.cancel()
        #expect(ran.isEmpty)
        clock.advance(by: .milliseconds(999))
        #expect(ran.isEmpty && clock.now == 100.999)
        clock.advance(by: .seconds(5))
        #expect(ran == ["a", "b"])
        #expect(clock.now == 105.999)
        #expect(clock.scheduledCount == 0)
    }

    @Test func workScheduledByWorkWithinTheStepRunsAtItsOwnTime() {
        let clock = ManualClock(now: 0)
        var times: [Double] = []
        func tick() {
            times.append(clock.now)
            if times.count < 4 { clock.schedule(in: .seconds(2), tick) }
        }
        clock.schedule(in: .seconds(2), tick)
        clock.advance(by: .seconds(10))
        #expect(times == [2, 4, 6, 8])
    }

    @Test func theLoopIsAClockToo() throws {
        let loop = try Loop()
        let clock: any LoopClock = loop
        var fired = false
        try clock.schedule(in: .milliseconds(5)) { fired = true }
        #expect(loop.run(until: { fired }, timeout: .seconds(2)))
        #expect(abs(clock.now - ContinuousClock.wallSeconds) < 5)
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(1))
        try loop.close()
    }
}

extension ContinuousClock {
    /// The wall clock as Foundation-free code reads it, for comparison.
    fileprivate static var wallSeconds: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

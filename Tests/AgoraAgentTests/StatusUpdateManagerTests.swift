@testable import AgoraAgent
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Testing

/// The agent's delivery rules for status updates, on a manual clock: in order per task, one in flight, resent with
/// doubling backoff until acknowledged.
@Suite struct StatusUpdateManagerTests {
    private final class Wire {
        var sent: [(task: String, state: TaskState, at: Double)] = []
    }

    private func manager(_ clock: ManualClock, _ wire: Wire, backoff: Duration = .seconds(1)) -> StatusUpdateManager {
        StatusUpdateManager(clock: clock, initialBackoff: backoff, timerFailed: { Issue.record("timer failed: \($0)") }) {
            wire.sent.append(($0.status.taskID.value, $0.status.state, clock.now))
        }
    }

    private func status(_ task: String, _ state: TaskState) -> TaskStatus {
        TaskStatus(taskID: TaskID(task), state: state, uuid: Array("\(task)-\(state.rawValue)".utf8))
    }

    @Test func updatesOfATaskGoOutInOrderOneAtATime() {
        let clock = ManualClock()
        let wire = Wire()
        let updates = manager(clock, wire)
        updates.enqueue(status("t", .starting), framework: "fw")
        updates.enqueue(status("t", .running), framework: "fw")
        updates.enqueue(status("t", .finished), framework: "fw")
        #expect(wire.sent.map(\.state) == [.starting])
        #expect(updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8)) == nil)
        #expect(updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_STARTING".utf8))?.state == .starting)
        #expect(wire.sent.map(\.state) == [.starting, .running])
        _ = updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8))
        _ = updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_FINISHED".utf8))
        #expect(wire.sent.map(\.state) == [.starting, .running, .finished])
        #expect(updates.pendingCount == 0)
        updates.stop()
    }

    @Test func anUnacknowledgedUpdateIsResentWithDoublingBackoffUpToTenMinutes() {
        let clock = ManualClock()
        let start = clock.now
        let wire = Wire()
        let updates = manager(clock, wire)
        updates.enqueue(status("t", .running), framework: "fw")
        clock.advance(by: .seconds(4000))
        let gaps = zip(wire.sent.dropFirst(), wire.sent).map { ($0.at - $1.at).rounded() }
        #expect(wire.sent.first?.at == start)
        #expect(Array(gaps.prefix(11)) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600])
        #expect(gaps.count > 13 && gaps.dropFirst(10).allSatisfy { $0 == 600 })
        updates.stop()
        #expect(clock.scheduledCount == 0)
    }

    @Test func theNextUpdatesBackoffCountsFromWhenItIsSentNotQueued() {
        let clock = ManualClock()
        let start = clock.now
        let wire = Wire()
        let updates = manager(clock, wire, backoff: .seconds(10))
        updates.enqueue(status("t", .running), framework: "fw")
        updates.enqueue(status("t", .finished), framework: "fw")
        clock.advance(by: .seconds(25))
        // A slow master: RUNNING went at 0 and 10, and is acknowledged at 25.
        #expect(wire.sent.map { ($0.state, ($0.at - start).rounded()) }.elementsEqual([(.running, 0), (.running, 10)]) { $0 == $1 })
        _ = updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8))
        clock.advance(by: .seconds(9))
        // FINISHED, queued at 0, went at 25 and waits its own 10 s before going again.
        #expect(wire.sent.map(\.state) == [.running, .running, .finished])
        clock.advance(by: .seconds(2))
        #expect(wire.sent.map(\.state) == [.running, .running, .finished, .finished])
        #expect(((wire.sent.last?.at ?? 0) - start).rounded() == 35)
        updates.stop()
    }

    @Test func oneTimerWaitsForTheEarliestResendAndNoneWhileNothingWaits() {
        let clock = ManualClock()
        let wire = Wire()
        let updates = manager(clock, wire, backoff: .seconds(10))
        #expect(clock.scheduledCount == 0)
        updates.enqueue(status("a", .running), framework: "fw")
        clock.advance(by: .seconds(3))
        updates.enqueue(status("b", .running), framework: "fw")
        #expect(clock.scheduledCount == 1)
        _ = updates.acknowledge(framework: "fw", task: "a", uuid: Array("a-TASK_RUNNING".utf8))
        _ = updates.acknowledge(framework: "fw", task: "b", uuid: Array("b-TASK_RUNNING".utf8))
        // The check still runs at a's time, finds nothing due, and arms for b's; after b's, nothing is armed.
        clock.advance(by: .seconds(60))
        #expect(clock.scheduledCount == 0)
        #expect(wire.sent.map(\.task) == ["a", "b"])
        updates.stop()
    }

    @Test func manyTasksAreResentEachAtItsOwnTime() {
        let clock = ManualClock()
        let start = clock.now
        let wire = Wire()
        let updates = manager(clock, wire, backoff: .seconds(10))
        // Tasks queued a second apart are resent a second apart, each once per backoff, acknowledged ones never.
        for index in 0..<50 {
            updates.enqueue(status("t\(index)", .running), framework: "fw")
            clock.advance(by: .seconds(1))
        }
        for index in stride(from: 0, to: 50, by: 2) {
            _ = updates.acknowledge(framework: "fw", task: TaskID("t\(index)"), uuid: Array("t\(index)-TASK_RUNNING".utf8))
        }
        wire.sent.removeAll()
        clock.advance(by: .seconds(70))
        let resent = Dictionary(grouping: wire.sent, by: \.task)
        #expect(resent.keys.count == 25 && resent.keys.allSatisfy { Int($0.dropFirst())! % 2 == 1 })
        for (task, sends) in resent {
            let index = Double(Int(task.dropFirst())!)
            // Sent at index; resent at index + 10, + 30, + 70 (the last one after the window for the early tasks).
            let expected = [10.0, 30, 70].map { index + $0 }.filter { $0 > 50 && $0 <= 120 }
            #expect(sends.map { ($0.at - start).rounded() } == expected, "\(task)")
        }
        updates.stop()
    }

    @Test func afterReconnectingEveryTasksOldestUpdateGoesOutAtOnce() {
        let clock = ManualClock()
        let wire = Wire()
        let updates = manager(clock, wire, backoff: .seconds(10))
        updates.enqueue(status("a", .running), framework: "fw")
        updates.enqueue(status("a", .finished), framework: "fw")
        updates.enqueue(status("b", .running), framework: "fw")
        wire.sent.removeAll()
        updates.resendAll()
        #expect(wire.sent.map { "\($0.task) \($0.state.rawValue)" }.sorted() == ["a TASK_RUNNING", "b TASK_RUNNING"])
        clock.advance(by: .seconds(9))
        #expect(wire.sent.count == 2)
        updates.stop()
    }

    @Test func acknowledgementsOutOfOrderAndDuplicatesChangeNothing() {
        let clock = ManualClock()
        let wire = Wire()
        let updates = manager(clock, wire)
        updates.enqueue(status("t", .running), framework: "fw")
        updates.enqueue(status("t", .finished), framework: "fw")
        updates.enqueue(status("t", .running), framework: "fw")
        #expect(updates.pendingCount == 2, "the replayed RUNNING was dropped")
        #expect(updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_FINISHED".utf8)) == nil)
        #expect(updates.pendingCount == 2 && wire.sent.map(\.state) == [.running])
        _ = updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8))
        #expect(updates.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8)) == nil)
        #expect(wire.sent.map(\.state) == [.running, .finished])
        updates.stop()
    }

    @Test func aRestartedAgentReplaysCheckpointedUpdatesInOrder() {
        let clock = ManualClock()
        let before = Wire()
        let first = manager(clock, before)
        first.enqueue(status("t", .running), framework: "fw")
        first.enqueue(status("t", .failed), framework: "fw")
        let checkpointed = first.pending(framework: "fw", task: "t")
        first.stop()
        // The next agent reads them back; the master hears them again, oldest first, once it is reached.
        let after = Wire()
        let second = manager(clock, after)
        for update in checkpointed { second.enqueue(update, framework: "fw") }
        after.sent.removeAll()
        second.resendAll()
        #expect(after.sent.map(\.state) == [.running])
        _ = second.acknowledge(framework: "fw", task: "t", uuid: Array("t-TASK_RUNNING".utf8))
        #expect(after.sent.map(\.state) == [.running, .failed])
        second.stop()
    }
}

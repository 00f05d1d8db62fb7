import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

@Suite struct LoopMailboxTests {
    @Test func workFromOtherThreadsRunsOnTheLoopInPostOrderPerThread() throws {
        let threads = 4
        let perThread = 500
        var seen: [[Int]] = Array(repeating: [], count: threads)
        var total = 0
        var mailbox: LoopMailbox!
        try withLoop({ loop in
            mailbox = try LoopMailbox(loop: loop)
            let box = mailbox!
            for thread in 0..<threads {
                let worker = Thread {
                    for index in 0..<perThread {
                        box.post { LoopMailboxTests.deliver(thread, index) }
                    }
                }
                worker.start()
            }
            LoopMailboxTests.deliver = { thread, index in
                seen[thread].append(index)
                total += 1
            }
        }, until: {
            if total == threads * perThread { mailbox.close() }
            return total == threads * perThread
        })
        for thread in 0..<threads { #expect(seen[thread] == Array(0..<perThread)) }
        #expect(mailbox.post {} == false)
    }

    nonisolated(unsafe) static var deliver: (Int, Int) -> Void = { _, _ in }
}

@Suite struct SignalTests {
    @Test func terminationSignalIsDeliveredOnTheLoop() throws {
        var received: Signal?
        var watchers: [SignalWatcher] = []
        try withLoop({ loop in
            watchers = try loop.onTerminationSignal { received = $0 }
            // Keep the loop busy until the signal arrives.
            let keepAlive = try LoopTimer(loop: loop)
            keepAlive.start(after: .seconds(5)) {}
            try loop.schedule(after: .milliseconds(10)) { kill(getpid(), SIGTERM) }
            try loop.schedule(after: .milliseconds(200)) {
                keepAlive.close()
                for watcher in watchers { watcher.close() }
            }
        }, until: { received != nil && watchers.allSatisfy { !$0.isOpen } })
        #expect(received == .terminate)
    }
}

import AgoraWire
import Testing

@Suite struct ExecutorMessagesTests {
    @Test(arguments: [WireFormat.protobuf, .json])
    func callsAndEventsRoundTrip(format: WireFormat) throws {
        let status = TaskStatus(taskID: "t", state: .running, source: .executor, uuid: [1, 2, 3])
        let call = ExecutorCall(executorID: "e", frameworkID: "f", type: .subscribe, subscribe: .init(
            unacknowledgedTasks: [TaskInfo(name: "t", taskID: "t", agentID: "a", resources: [], command: .shell("true"))],
            unacknowledgedUpdates: [.init(status: status)]))
        #expect(try ExecutorCall(decoding: try call.encoded(as: format), as: format) == call)
        let event = ExecutorEvent(type: .acknowledged, acknowledged: .init(taskID: "t", uuid: [1, 2, 3]))
        #expect(try ExecutorEvent(decoding: try event.encoded(as: format), as: format) == event)
    }

    @Test func theJSONShapeIsTheOnePymesosReads() throws {
        let event = ExecutorEvent(type: .kill, kill: .init(taskID: "t"))
        let json = String(decoding: try event.encoded(as: .json), as: UTF8.self)
        #expect(json.contains(#""type":"KILL""#) && json.contains(#""kill":{"task_id":{"value":"t"}}"#))
        let call = try ExecutorCall(decoding: Array(#"{"type":"SUBSCRIBE","framework_id":{"value":"f"},"executor_id":{"value":"e"},"subscribe":{"unacknowledged_tasks":[],"unacknowledged_updates":[]}}"#.utf8), as: .json)
        #expect(call.type == .subscribe && call.executorID == "e")
    }
}

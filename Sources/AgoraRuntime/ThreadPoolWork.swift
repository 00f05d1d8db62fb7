internal import CLibUV

/// Runs blocking work (file system walks, reads that may block) on libuv's thread pool and hands the result
/// back on the loop's thread. The work must not touch loop state; it gets only what it captures.
public enum ThreadPoolWork {
    public static func run<Result>(loop: Loop, _ work: @escaping @Sendable () -> Result,
                                   completion: @escaping (Result) -> Void) {
        let box = Box(work: { work() }, completion: { completion($0 as! Result) })
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        request.initialize(to: uv_work_t())
        request.pointee.data = Unmanaged.passRetained(box).toOpaque()
        let status = uv_queue_work(loop.raw, request, { request in
            guard let request else { return }
            let box = Unmanaged<Box>.fromOpaque(request.pointee.data).takeUnretainedValue()
            box.result = box.work()
        }, { request, _ in
            guard let request else { return }
            let box = Unmanaged<Box>.fromOpaque(request.pointee.data).takeRetainedValue()
            request.deinitialize(count: 1)
            request.deallocate()
            if let result = box.result { box.completion(result) }
        })
        if status < 0 {
            // Only when the loop is closing: run the work here rather than drop it.
            Unmanaged<Box>.fromOpaque(request.pointee.data).release()
            request.deinitialize(count: 1)
            request.deallocate()
            completion(work())
        }
    }

    private final class Box: @unchecked Sendable {
        let work: () -> Any
        let completion: (Any) -> Void
        var result: Any?

        init(work: @escaping () -> Any, completion: @escaping (Any) -> Void) {
            self.work = work
            self.completion = completion
        }
    }
}

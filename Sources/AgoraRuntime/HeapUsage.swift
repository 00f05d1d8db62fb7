internal import CLibUV

/// The process's heap as malloc sees it: what RSS cannot tell apart from memory freed but kept by the allocator.
public enum HeapUsage {
    /// Bytes allocated and not yet freed, over every malloc arena and mapped block.
    public static var bytesInUse: Int { agora_heap_in_use() }
}

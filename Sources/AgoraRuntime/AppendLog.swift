import Glibc

/// A file of records written one after another, each framed by its length and a CRC-32 of its bytes, so that one cut
/// short by a crash (or damaged on disk) is recognised. Opening the file reads back every whole record and drops
/// whatever follows the first bad one. A batch of records is durable once `append` returns (one write, one
/// `fdatasync`); `rewrite` replaces the whole file atomically, to drop records nobody needs any more.
///
/// Appending to one file creates no inode per change, where replacing a file per change (write, rename) creates one
/// and frees one every time.
public final class AppendLog {
    public let path: String
    /// The records the file held when it was opened, oldest first (until `forgetRecovered`).
    public private(set) var recovered: [[UInt8]]
    /// The bytes dropped when it was opened, after the last whole record.
    public let droppedBytes: Int
    /// The file's size (whole records only), and how many records it holds.
    public private(set) var size: Int
    public private(set) var recordCount: Int
    private var descriptor: Int32

    /// Opens `path`, creating it (mode 0600) if it does not exist, and reads back its records.
    public init(path: String) throws(RuntimeError) {
        self.path = path
        descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RuntimeError(status: -errno, call: "open(\(path))") }
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path).bytes
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        let (records, whole) = AppendLog.records(in: bytes)
        recovered = records
        droppedBytes = bytes.count - whole
        size = whole
        recordCount = records.count
        // Initialised: a failure from here on closes the file in deinit.
        if droppedBytes > 0 && ftruncate(descriptor, off_t(whole)) != 0 {
            throw RuntimeError(status: -errno, call: "ftruncate(\(path))")
        }
    }

    deinit { close() }

    /// Lets go of the records read at open, once they were used.
    public func forgetRecovered() { recovered = [] }

    /// Appends `records` and makes them durable; on failure the file is cut back to what it held before.
    public func append(_ records: [[UInt8]]) throws(RuntimeError) {
        guard !records.isEmpty else { return }
        guard descriptor >= 0 else { throw RuntimeError(code: "EBADF", message: "\(path) is closed", call: "append") }
        let framed = AppendLog.frame(records)
        do throws(RuntimeError) {
            try AppendLog.write(framed, to: descriptor, path: path)
            guard fdatasync(descriptor) == 0 else { throw RuntimeError(status: -errno, call: "fdatasync(\(path))") }
            size += framed.count
            recordCount += records.count
        } catch {
            _ = ftruncate(descriptor, off_t(size))
            throw error
        }
    }

    /// Replaces the file with `records` alone (`Files.writeAtomically`: written beside it, flushed, renamed over it).
    /// The directory is not flushed: until it is, a crash leaves the old file, which holds the same live records.
    public func rewrite(_ records: [[UInt8]]) throws(RuntimeError) {
        let framed = AppendLog.frame(records)
        try Files.writeAtomically(path, framed, mode: 0o600)
        // The descriptor still points at the file just replaced: appends go to the new one from here on.
        close()
        descriptor = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw RuntimeError(status: -errno, call: "open(\(path))") }
        size = framed.count
        recordCount = records.count
    }

    public func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// The whole records at the start of `bytes`, and how many bytes they take.
    public static func records(in bytes: [UInt8]) -> (records: [[UInt8]], length: Int) {
        var records: [[UInt8]] = []
        var offset = 0
        while bytes.count - offset >= 8 {
            let length = Int(AppendLog.uint32(bytes, at: offset))
            let checksum = AppendLog.uint32(bytes, at: offset + 4)
            guard length <= bytes.count - offset - 8 else { break }
            let record = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32.checksum(record) == checksum else { break }
            records.append(record)
            offset += 8 + length
        }
        return (records, offset)
    }

    /// Records as written: each one's length and CRC-32 (little-endian), then its bytes; in one buffer, as every loop
    /// turn of an agent with changed tasks writes some.
    static func frame(_ records: [[UInt8]]) -> [UInt8] {
        var framed: [UInt8] = []
        framed.reserveCapacity(records.reduce(0) { $0 + 8 + $1.count })
        func put(_ word: UInt32) {
            for shift in stride(from: 0, to: 32, by: 8) { framed.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        for record in records {
            put(UInt32(truncatingIfNeeded: record.count))
            put(CRC32.checksum(record))
            framed += record
        }
        return framed
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(RuntimeError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RuntimeError(status: -errno, call: "write(\(path))")
            }
            written += count
        }
    }
}

/// CRC-32 (the IEEE polynomial, as zlib and gzip compute it).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}

/// RecordIO framing used by the Mesos event streams: `<decimal length>\n<exactly length bytes>`.
public enum RecordIO {
    /// Frames one record.
    public static func encode(_ record: [UInt8]) -> [UInt8] {
        var framed: [UInt8] = []
        framed.reserveCapacity(prefixLength(of: record) + record.count)
        appendPrefix(of: record, to: &framed)
        framed += record
        return framed
    }

    /// The length of a record's `<decimal length>\n`.
    static func prefixLength(of record: [UInt8]) -> Int { ASCIINumber.digits(record.count, radix: 10) + 1 }

    static func appendPrefix(of record: [UInt8], to bytes: inout [UInt8]) {
        ASCIINumber.append(record.count, radix: 10, to: &bytes)
        bytes.append(10)
    }
}

/// A non-negative count written in ASCII digits straight into a byte array (no String on the way).
enum ASCIINumber {
    static func digits(_ value: Int, radix: Int) -> Int {
        var count = 1
        var rest = value / radix
        while rest > 0 {
            count += 1
            rest /= radix
        }
        return count
    }

    /// Lower-case digits past 9 (hexadecimal chunk sizes).
    static func append(_ value: Int, radix: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        while value / divisor >= radix { divisor *= radix }
        while divisor > 0 {
            let digit = UInt8(truncatingIfNeeded: value / divisor % radix)
            bytes.append(digit < 10 ? 48 + digit : 87 + digit)
            divisor /= radix
        }
    }
}

/// Why a RecordIO stream could not be decoded.
public struct RecordIOError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { "RecordIO: \(message)" }
}

/// Splits a byte stream into records; records may arrive split across any number of reads.
public struct RecordIODecoder: Sendable {
    /// Records longer than this are refused rather than buffered.
    public let maxRecordBytes: Int
    private var buffer: [UInt8] = []
    private var expected: Int?

    public init(maxRecordBytes: Int = 64 * 1024 * 1024) {
        self.maxRecordBytes = maxRecordBytes
    }

    /// Adds bytes and returns every record they complete, in order. Only the bytes of a record not yet complete are
    /// kept, in a buffer of their size: a stream open for days (an agent's calls) holds nothing after a burst.
    public mutating func feed(_ bytes: [UInt8]) throws(RecordIOError) -> [[UInt8]] {
        if buffer.isEmpty { buffer = bytes } else { buffer += bytes }
        var records: [[UInt8]] = []
        var start = 0
        while true {
            if let length = expected {
                guard buffer.count - start >= length else { break }
                records.append(Array(buffer[start..<start + length]))
                start += length
                expected = nil
            } else {
                guard let newline = buffer[start...].firstIndex(of: 10) else {
                    if buffer.count - start > 20 { throw RecordIOError(message: "length prefix longer than 20 digits") }
                    break
                }
                let digits = buffer[start..<newline]
                guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }), digits.count <= 20,
                      let length = Int(String(decoding: digits, as: UTF8.self))
                else {
                    throw RecordIOError(message: "invalid length prefix \"\(String(decoding: digits.prefix(32), as: UTF8.self))\"")
                }
                guard length <= maxRecordBytes else {
                    throw RecordIOError(message: "record of \(length) bytes exceeds the limit of \(maxRecordBytes)")
                }
                expected = length
                start = newline + 1
            }
        }
        if start == buffer.count {
            buffer = []
        } else if start > 0 {
            buffer = Array(buffer[start...])
        }
        return records
    }

    /// Bytes held for a record not yet complete.
    public var bufferedBytes: Int { buffer.count }
}

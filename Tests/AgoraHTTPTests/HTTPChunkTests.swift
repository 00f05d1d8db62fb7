@testable import AgoraHTTP
import Testing

@Suite struct HTTPChunkTests {
    @Test(arguments: [0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 65_536])
    func aRecordInAChunkIsTheChunkOfTheFramedRecord(size: Int) {
        let record = [UInt8](repeating: 0x61, count: size)
        let framed = RecordIO.encode(record)
        #expect(framed == Array("\(size)\n".utf8) + record)
        #expect(HTTPChunk.frame(record, asRecord: true) == HTTPChunk.frame(framed))
        #expect(HTTPChunk.frame(framed) == Array("\(String(framed.count, radix: 16))\r\n".utf8) + framed + [13, 10])
    }
}

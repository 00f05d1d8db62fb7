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

/// A response's status line and fields, written as bytes.
@Suite struct HTTPResponseHeadTests {
    @Test func theHeadIsTheStatusLineThenEachFieldInOrder() {
        #expect(HTTPResponder.head(status: .accepted, headers: ["Content-Length": "0"])
                == Array("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".utf8))
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        headers.add("Set-Cookie", "a=1")
        headers.add("Set-Cookie", "b=2")
        #expect(HTTPResponder.head(status: HTTPStatus(599), headers: headers, room: 10)
                == Array("HTTP/1.1 599 \(HTTPStatus(599).reasonPhrase)\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n".utf8))
    }
}

internal import CProtobufC

/// Walks protobuf bytes against a schema to say precisely why libprotobuf-c refused them:
/// truncation, a wrong wire type, or a missing required field, with the field path.
enum WireScanner {
    /// The reason, with a field path relative to the message (the caller adds the message name).
    static func diagnose(_ bytes: [UInt8], descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> WireError {
        let schema = SchemaRegistry.shared.message(describedBy: descriptor)
        let problem = schema.flatMap { scan(bytes[...], schema: $0, path: "") }
            ?? WireError(.malformed, field: nil, "libprotobuf-c rejected the message")
        guard let field = problem.field, field.hasPrefix(".") else { return problem }
        return WireError(problem.code, field: String(field.dropFirst()), problem.message)
    }

    private static func scan(_ bytes: ArraySlice<UInt8>, schema: MessageSchema, path: String) -> WireError? {
        var index = bytes.startIndex
        var seen = Set<UInt32>()
        while index < bytes.endIndex {
            guard let tag = readVarint(bytes, &index) else {
                return WireError(.truncated, field: path.isEmpty ? nil : path, "message ends inside a field tag")
            }
            let number = UInt32(truncatingIfNeeded: tag >> 3)
            let wireType = UInt8(tag & 7)
            guard number > 0 else {
                return WireError(.malformed, field: path.isEmpty ? nil : path, "field number 0 is invalid")
            }
            let field = schema.field(number: number).map { schema.fields[$0] }
            let fieldPath = field.map { "\(path).\($0.name)" } ?? "\(path).#\(number)"
            if let field {
                let packable = field.label == .repeated && field.kind.wireType != 2
                if wireType != field.kind.wireType && !(packable && wireType == 2) {
                    return WireError(.invalidWireType, field: fieldPath,
                                     "wire type \(wireType) cannot carry a field of this type")
                }
            }
            switch wireType {
            case 0:
                guard readVarint(bytes, &index) != nil else {
                    return WireError(.truncated, field: fieldPath, "message ends inside a varint")
                }
            case 1, 5:
                let width = wireType == 1 ? 8 : 4
                guard bytes.endIndex - index >= width else {
                    return WireError(.truncated, field: fieldPath, "message ends inside a \(width * 8)-bit value")
                }
                index += width
            case 2:
                guard let length = readVarint(bytes, &index), length <= UInt64(bytes.endIndex - index) else {
                    return WireError(.truncated, field: fieldPath, "length-delimited value runs past the end")
                }
                let end = index + Int(length)
                if let field, case .message(let nested) = field.kind,
                   let problem = scan(bytes[index..<end], schema: nested, path: fieldPath) {
                    return problem
                }
                index = end
            default:
                return WireError(.invalidWireType, field: fieldPath, "wire type \(wireType) is not supported")
            }
            seen.insert(number)
        }
        for field in schema.fields where field.label == .required && !seen.contains(field.number) {
            return WireError(.missingRequiredField, field: "\(path).\(field.name)", "required field is missing")
        }
        return nil
    }

    private static func readVarint(_ bytes: ArraySlice<UInt8>, _ index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex && shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}

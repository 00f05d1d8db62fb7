/// One field value of a `DynamicMessage`.
indirect enum ProtoValue {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case string(String)
    case bytes([UInt8])
    case enumeration(Int32)
    case message(DynamicMessage)
    case list([ProtoValue])
}

/// A message held as schema-typed field values: the meeting point of the Swift types,
/// the protobuf-c binary codec and the JSON codec.
struct DynamicMessage {
    let schema: MessageSchema
    /// Indexed like `schema.fields`; nil is absent. Repeated fields hold `.list`.
    var values: [ProtoValue?]

    init(schema: MessageSchema) {
        self.schema = schema
        values = Array(repeating: nil, count: schema.fields.count)
    }
}

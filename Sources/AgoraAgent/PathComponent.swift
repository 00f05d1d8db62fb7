/// Names from frameworks (task, framework and executor ids) made safe as one component of a path on the agent.
enum PathComponent {
    /// `name` with anything but letters, digits, `-`, `_` and `.` replaced by `_`, and `.` and `..` (which would
    /// name the directory itself or its parent) by as many `_`. Nearly every id is plain ASCII of those already and is
    /// returned as it is, without a pass over its characters.
    static func safe(_ name: String) -> String {
        guard name != "." && name != ".." else { return String(repeating: "_", count: name.count) }
        let plain = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): true
            default: false
            }
        }
        return plain ? name : String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }
}

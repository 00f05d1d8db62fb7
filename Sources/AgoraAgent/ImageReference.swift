/// Where a container image comes from: a registry (`busybox:1.36`, `registry:5000/team/app@sha256:…`), or a local
/// archive named with its transport (`oci-archive:/path.tar`, `docker-archive:/path.tar`, `oci:/layout[:tag]`).
struct ImageReference: Hashable, CustomStringConvertible {
    enum Source: Hashable {
        case registry
        case archive
    }

    /// The name as the task gave it.
    let name: String
    let source: Source

    /// Checks a name from a task: printable, no options in disguise, a registry reference's characters or an
    /// archive's absolute path.
    init(_ name: String) throws(ImageError) {
        guard !name.isEmpty, name.utf8.count <= 1024 else { throw ImageError("an image name must have 1 to 1024 characters") }
        guard !name.hasPrefix("-"), name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            throw ImageError("image name '\(name)' has spaces, control characters or a leading '-'")
        }
        self.name = name
        for transport in ["oci-archive:", "docker-archive:", "oci:"] where name.hasPrefix(transport) {
            let path = name.dropFirst(transport.count)
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw ImageError("image archive '\(name)' must name an absolute path without '..'")
            }
            source = .archive
            return
        }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-/:@".unicodeScalars.contains($0)
        }
        guard allowed else { throw ImageError("'\(name)' is not a valid image reference") }
        source = .registry
    }

    /// The source as `skopeo` names it.
    var skopeoSource: String { source == .registry ? "docker://" + name : name }

    /// A name for the image inside the store's OCI layout: a stable 64-bit hash of the reference.
    var storeKey: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "image-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    var description: String { name }
}

/// Why an image could not be made ready: a message that names the cause (the tool's own words when a tool failed).
struct ImageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// What Agora's fetcher (`agora-fetcher`) can put into a sandbox: `http://`, `https://` and `file://` URIs and
/// absolute paths, each named by the last part of its path or a plain `output_file`; Mesos' fetcher cache is not
/// implemented.
extension CommandInfo.URI {
    public static let fetchedSchemes = ["http", "https", "file"]

    /// The scheme of `value` (`file` for an absolute path), or nil when it has none.
    public var scheme: String? {
        if value.hasPrefix("/") { return "file" }
        guard let colon = value.firstIndex(of: ":"), value[colon...].hasPrefix("://") else { return nil }
        return value[..<colon].lowercased()
    }

    /// Why this URI cannot be fetched, or nil when it can.
    public var fetchProblem: String? {
        guard let scheme, Self.fetchedSchemes.contains(scheme) else {
            return "URI '\(value)' cannot be fetched: Agora fetches http, https and file URIs and absolute paths"
        }
        if cache == true { return "URI '\(value)': the fetcher cache (cache: true) is not implemented" }
        if let outputFile, outputFile.isEmpty || outputFile.contains("/") || outputFile == "." || outputFile == ".." {
            return "URI '\(value)': output_file '\(outputFile)' must be a plain file name"
        }
        return nil
    }
}

/// The `fetch` entries of Marathon apps and Chronos jobs (`{"uri", "executable", "extract", "cache", "outputFile"}`),
/// read and written the same way by both frameworks.
extension CommandInfo.URI {
    /// Reads one entry; nil when it has no string `uri`. `extract` defaults to true, as in Mesos.
    public init?(fetchEntry json: JSONValue) {
        func flag(_ key: String) -> Bool? { if case .bool(let value)? = json[key] { value } else { nil } }
        guard case .string(let uri)? = json["uri"] else { return nil }
        var outputFile: String?
        if case .string(let name)? = json["outputFile"] { outputFile = name }
        self.init(value: uri, executable: flag("executable") ?? false, extract: flag("extract") ?? true,
                  cache: flag("cache") ?? false, outputFile: outputFile)
    }

    /// A legacy `uris` string: fetched and extracted.
    public init(legacyURI uri: String) {
        self.init(value: uri, executable: false, extract: true, cache: false)
    }

    /// The entry as the frameworks show it.
    public var fetchEntry: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("uri", .string(value)), ("executable", .bool(executable ?? false)), ("extract", .bool(extract ?? true)),
            ("cache", .bool(cache ?? false)),
        ]
        if let outputFile { fields.append(("outputFile", .string(outputFile))) }
        return .object(fields)
    }
}

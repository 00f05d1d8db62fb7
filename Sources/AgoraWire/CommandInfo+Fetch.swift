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

import AgoraRuntime
internal import CCurl
import Glibc

/// Downloads one URI to a file with libcurl, as Mesos' fetcher does: `http://`, `https://` and `file://` URIs, and
/// absolute paths (local files). Blocking: run it off any loop (the fetcher is its own process).
public enum URLDownload {
    private static let schemes = ["http", "https", "file"]

    /// Writes what `uri` holds to `path` (created with mode 0644, replaced if present); fails with the HTTP status or
    /// libcurl's reason. Redirects are followed (at most 10); `timeoutSeconds` bounds the whole transfer.
    public static func download(_ uri: String, to path: String, timeoutSeconds: Int) throws(RuntimeError) {
        let url = uri.hasPrefix("/") ? "file://" + uri : uri
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError(status: -errno, call: "open(\(path))") }
        defer { close(fd) }
        guard let handle = curl_easy_init() else {
            throw RuntimeError(code: "ENOMEM", message: "libcurl could not start a transfer", call: "curl_easy_init")
        }
        defer { curl_easy_cleanup(handle) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var sink = fd
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            withUnsafeMutablePointer(to: &sink) { sinkPointer in
                _ = agora_curl_set_string(handle, CURLOPT_URL, url)
                _ = agora_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, schemes.joined(separator: ","))
                _ = agora_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
                _ = agora_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
                _ = agora_curl_set_long(handle, CURLOPT_MAXREDIRS, 10)
                _ = agora_curl_set_long(handle, CURLOPT_FAILONERROR, 1)
                _ = agora_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = agora_curl_set_long(handle, CURLOPT_TIMEOUT, max(1, timeoutSeconds))
                _ = agora_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                _ = agora_curl_set_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
                _ = agora_curl_set_write(handle) { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let fd = context.assumingMemoryBound(to: Int32.self).pointee
                    let total = size * count
                    var written = 0
                    while written < total {
                        let result = write(fd, data + written, total - written)
                        if result < 0 && errno == EINTR { continue }
                        guard result > 0 else { return 0 }
                        written += result
                    }
                    return total
                }
                return curl_easy_perform(handle)
            }
        }
        guard code == CURLE_OK else {
            var status = 0
            _ = agora_curl_response_code(handle, &status)
            let detail = String(cString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw RuntimeError(code: "EIO", message: status >= 400 ? "HTTP status \(status)" : reason, call: "fetch(\(uri))")
        }
    }
}

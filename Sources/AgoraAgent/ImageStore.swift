import AgoraRuntime
import Foundation
import Logging

/// What an image asks to run (its OCI configuration), with its user as `umoci` resolved it in the image.
struct ImageConfig: Equatable {
    var entrypoint: [String] = []
    var cmd: [String] = []
    var env: [String] = []
    var workingDir: String?
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// An image ready to run: its root filesystem (unpacked once per manifest, shared read-only by its tasks) and its
/// configuration.
struct StoredImage {
    let reference: String
    /// The manifest's sha256 digest, in hex.
    let manifest: String
    let rootfs: String
    let config: ImageConfig
}

/// The agent's images (`--image-dir`): pulled with `skopeo` into one OCI layout, where each blob is stored once by
/// digest and shared between images; each layer's entries checked once (none may leave the root); each manifest
/// unpacked once with `umoci` (whiteouts honoured) into a directory renamed into place when complete. Requests for
/// an image being pulled wait for that pull; pulls run one at a time. Images no task used for `gcDelay` are
/// forgotten, then the blobs and root filesystems nothing references.
final class ImageStore {
    struct Settings {
        var directory: String
        var mirrors: [String] = []
        var insecureRegistries: [String] = []
        var pullTimeout: Duration = .seconds(600)
        var gcDelay: Duration = .seconds(3600)
        var skopeo = "skopeo"
        var umoci = "umoci"
    }

    /// One image the store has: which manifest its reference named when it was pulled, and when a task last used it.
    private struct Record: Codable {
        var reference: String
        var key: String
        var manifest: String
        var lastUsed: Double
    }

    private let loop: Loop
    private let settings: Settings
    private let logger: Logger
    private let now: () -> Double
    private var records: [String: Record] = [:]
    private var waiting: [String: [(Result<StoredImage, ImageError>) -> Void]] = [:]
    private var queue: [(reference: ImageReference, force: Bool)] = []
    private var pulling: String?
    /// Configurations of the unpacked manifests, read once each.
    private var configs: [String: ImageConfig] = [:]
    /// Tasks using each manifest (their root filesystems are not collected).
    private var users: [String: Int] = [:]
    /// Counters for `/metrics`.
    private(set) var pulls = 0
    private(set) var pullFailures = 0
    private(set) var cacheHits = 0

    private var layout: String { settings.directory + "/layout" }
    private var scratch: String { settings.directory + "/tmp" }
    private var recordsFile: String { settings.directory + "/images.json" }

    init(loop: Loop, settings: Settings, logger: Logger, now: @escaping () -> Double) throws {
        self.loop = loop
        self.settings = settings
        self.logger = logger
        self.now = now
        let files = FileManager.default
        for directory in [settings.directory, scratch, settings.directory + "/rootfs", settings.directory + "/checked"] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // What a crash left half done: unpacks not renamed into place, tool output.
        for name in (try? files.contentsOfDirectory(atPath: settings.directory + "/rootfs")) ?? [] where name.hasSuffix(".partial") {
            try? files.removeItem(atPath: settings.directory + "/rootfs/" + name)
        }
        for name in (try? files.contentsOfDirectory(atPath: scratch)) ?? [] { try? files.removeItem(atPath: scratch + "/" + name) }
        if let data = files.contents(atPath: recordsFile), let saved = try? JSONDecoder().decode([Record].self, from: data) {
            for record in saved { records[record.reference] = record }
        }
        try Files.writeAtomically(settings.directory + "/registries.conf", Array(registriesConf.utf8))
        try Files.writeAtomically(settings.directory + "/policy.json", Array(#"{"default":[{"type":"insecureAcceptAnything"}]}"#.utf8))
    }

    /// `registries.conf` for skopeo: the mirrors of Docker Hub, and the registries reached without TLS.
    private var registriesConf: String {
        var text = ""
        if !settings.mirrors.isEmpty {
            text += "[[registry]]\nprefix = \"docker.io\"\nlocation = \"registry-1.docker.io\"\n"
            for mirror in settings.mirrors {
                text += "[[registry.mirror]]\nlocation = \"\(mirror)\"\ninsecure = \(settings.insecureRegistries.contains(mirror))\n"
            }
        }
        for registry in settings.insecureRegistries where !settings.mirrors.contains(registry) {
            text += "[[registry]]\nlocation = \"\(registry)\"\ninsecure = true\n"
        }
        return text
    }

    /// Makes `name` ready (pulling it unless the store has it and `force` is false) and calls `done` on the loop.
    func provide(_ name: String, force: Bool, _ done: @escaping (Result<StoredImage, ImageError>) -> Void) {
        let reference: ImageReference
        do {
            reference = try ImageReference(name)
        } catch {
            return done(.failure(error))
        }
        if !force, var record = records[name], let image = try? load(record) {
            cacheHits += 1
            record.lastUsed = now()
            records[name] = record
            return done(.success(image))
        }
        waiting[name, default: []].append(done)
        guard waiting[name]?.count == 1 else { return }
        queue.append((reference, force))
        pullNext()
    }

    /// A task started (`retain`) or ended (`release`) on an image's root filesystem.
    func retain(_ manifest: String) { users[manifest, default: 0] += 1 }

    func release(_ manifest: String) {
        users[manifest, default: 1] -= 1
        if users[manifest] == 0 { users[manifest] = nil }
        for (reference, record) in records where record.manifest == manifest {
            records[reference]?.lastUsed = now()
        }
        save()
    }

    private func pullNext() {
        guard pulling == nil, !queue.isEmpty else { return }
        let (reference, _) = queue.removeFirst()
        pulling = reference.name
        pulls += 1
        let started = now()
        copy(reference) { [weak self] result in
            guard let self else { return }
            self.pulling = nil
            if case .success(let image) = result {
                self.records[reference.name] = Record(reference: reference.name, key: reference.storeKey,
                                                      manifest: image.manifest, lastUsed: self.now())
                self.save()
                self.logger.info("image \(reference) ready (manifest \(image.manifest.prefix(12))) in \(Int((self.now() - started) * 1000)) ms")
            } else {
                self.pullFailures += 1
            }
            let callbacks = self.waiting.removeValue(forKey: reference.name) ?? []
            for callback in callbacks { callback(result) }
            self.pullNext()
        }
    }

    private var toolEnvironment: [String: String] {
        ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": settings.directory,
         "TMPDIR": scratch]
    }

    /// skopeo copies the image into the layout, then its layers are checked and it is unpacked.
    private func copy(_ reference: ImageReference, _ done: @escaping (Result<StoredImage, ImageError>) -> Void) {
        let argv = [settings.skopeo, "--registries-conf", settings.directory + "/registries.conf",
                    "--policy", settings.directory + "/policy.json", "copy", "--quiet",
                    reference.skopeoSource, "oci:\(layout):\(reference.storeKey)"]
        ToolRun.start(loop: loop, argv, environment: toolEnvironment, scratch: scratch, timeout: settings.pullTimeout) { [weak self] outcome in
            guard let self else { return }
            guard outcome.succeeded else { return done(.failure(ImageError("cannot pull it: \(Self.cleaned(outcome.reason))"))) }
            do throws(ImageError) {
                let manifest = try self.manifest(of: reference.storeKey)
                self.checkLayers(manifest.layers, of: reference) { [weak self] problem in
                    guard let self else { return }
                    if let problem { return done(.failure(problem)) }
                    self.unpack(reference, manifest: manifest.digest, config: manifest.config, done)
                }
            } catch {
                done(.failure(error))
            }
        }
    }

    /// The manifest the layout's index names `key`, with its config and layer digests (hex).
    private func manifest(of key: String) throws(ImageError) -> (digest: String, config: String, layers: [String]) {
        guard let index = json(layout + "/index.json"), let manifests = index["manifests"] as? [[String: Any]],
              let entry = manifests.last(where: { ($0["annotations"] as? [String: Any])?["org.opencontainers.image.ref.name"] as? String == key }),
              let digest = Self.hex(entry["digest"]) else {
            throw ImageError("the image store's index has no entry for it after the pull")
        }
        guard let manifest = json(blob(digest)), let config = Self.hex((manifest["config"] as? [String: Any])?["digest"]),
              let layers = manifest["layers"] as? [[String: Any]] else {
            throw ImageError("its manifest sha256:\(digest) is not an OCI image manifest")
        }
        return (digest, config, layers.compactMap { Self.hex($0["digest"]) })
    }

    private func blob(_ hex: String) -> String { "\(layout)/blobs/sha256/\(hex)" }

    /// Lists each layer not checked before with `tar` and refuses one with an absolute entry or a `..` component.
    private func checkLayers(_ layers: [String], of reference: ImageReference, _ done: @escaping (ImageError?) -> Void) {
        guard let layer = layers.first(where: { !FileManager.default.fileExists(atPath: "\(settings.directory)/checked/\($0)") }) else {
            return done(nil)
        }
        ToolRun.start(loop: loop, ["tar", "-tf", blob(layer)], environment: toolEnvironment, scratch: scratch,
                      timeout: settings.pullTimeout) { [weak self] outcome in
            guard let self else { return }
            guard outcome.succeeded else {
                return done(ImageError("its layer sha256:\(layer) is not a readable tar archive: \(outcome.reason)"))
            }
            for entry in outcome.output.split(separator: "\n") {
                let components = entry.split(separator: "/", omittingEmptySubsequences: false)
                if entry.hasPrefix("/") || components.contains("..") {
                    return done(ImageError("its layer sha256:\(layer) has an entry outside the root filesystem: '\(entry)'"))
                }
            }
            // The marker only saves the next pull a listing: when it cannot be written, the layer is checked again.
            _ = FileManager.default.createFile(atPath: "\(self.settings.directory)/checked/\(layer)", contents: nil)
            self.checkLayers(layers, of: reference, done)
        }
    }

    /// umoci unpacks the manifest once, into a directory renamed into place when complete.
    private func unpack(_ reference: ImageReference, manifest: String, config: String,
                       _ done: @escaping (Result<StoredImage, ImageError>) -> Void) {
        let target = settings.directory + "/rootfs/" + manifest
        let finish = { [weak self] in
            guard let self else { return }
            let record = Record(reference: reference.name, key: reference.storeKey, manifest: manifest, lastUsed: self.now())
            done(Result { () throws(ImageError) -> StoredImage in try self.load(record, configDigest: config) })
        }
        guard !FileManager.default.fileExists(atPath: target) else { return finish() }
        let partial = target + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let argv = [settings.umoci, "unpack", "--image", "\(layout):\(reference.storeKey)", partial]
        ToolRun.start(loop: loop, argv, environment: toolEnvironment, scratch: scratch, timeout: settings.pullTimeout) { outcome in
            guard outcome.succeeded else {
                try? FileManager.default.removeItem(atPath: partial)
                return done(.failure(ImageError("cannot unpack it: \(Self.cleaned(outcome.reason))")))
            }
            do {
                try FileManager.default.moveItem(atPath: partial, toPath: target)
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                return done(.failure(ImageError("cannot move its root filesystem into place: \(error.localizedDescription)")))
            }
            finish()
        }
    }

    /// The stored image of `record`: its unpacked bundle, and its configuration (read once per manifest: every later
    /// task of a cached image starts without reading or parsing a file).
    private func load(_ record: Record, configDigest: String? = nil) throws(ImageError) -> StoredImage {
        let bundle = settings.directory + "/rootfs/" + record.manifest
        guard FileManager.default.fileExists(atPath: bundle + "/rootfs") else {
            configs[record.manifest] = nil
            throw ImageError("not unpacked")
        }
        let config: ImageConfig
        if let cached = configs[record.manifest] {
            config = cached
        } else {
            config = try readConfig(record.manifest, bundle: bundle, configDigest: configDigest)
            configs[record.manifest] = config
        }
        return StoredImage(reference: record.reference, manifest: record.manifest, rootfs: bundle + "/rootfs", config: config)
    }

    /// What an image asks to run, from its config blob, with the user umoci resolved in its bundle.
    private func readConfig(_ manifestDigest: String, bundle: String, configDigest: String?) throws(ImageError) -> ImageConfig {
        let configHex: String
        if let configDigest {
            configHex = configDigest
        } else {
            guard let manifest = json(blob(manifestDigest)),
                  let hex = Self.hex((manifest["config"] as? [String: Any])?["digest"]) else { throw ImageError("its manifest is gone") }
            configHex = hex
        }
        guard let blob = json(blob(configHex)) else { throw ImageError("its configuration sha256:\(configHex) is unreadable") }
        let settings = blob["config"] as? [String: Any] ?? [:]
        var config = ImageConfig()
        config.entrypoint = settings["Entrypoint"] as? [String] ?? []
        config.cmd = settings["Cmd"] as? [String] ?? []
        config.env = settings["Env"] as? [String] ?? []
        config.workingDir = (settings["WorkingDir"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        if let user = (json(bundle + "/config.json")?["process"] as? [String: Any])?["user"] as? [String: Any] {
            config.uid = (user["uid"] as? NSNumber)?.uint32Value ?? 0
            config.gid = (user["gid"] as? NSNumber)?.uint32Value ?? 0
        }
        return config
    }

    private func json(_ path: String) -> [String: Any]? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    private func save() {
        let list = records.values.sorted { $0.reference < $1.reference }
        guard let data = try? JSONEncoder().encode(list) else { return }
        do {
            try Files.writeAtomically(recordsFile, Array(data))
        } catch {
            logger.error("cannot save the image records in \(recordsFile): \(error)")
        }
    }

    /// `sha256:<64 hex>` as its hex part; nil for anything else (a digest never becomes a path otherwise).
    private static func hex(_ value: Any?) -> String? {
        guard let digest = value as? String, digest.hasPrefix("sha256:") else { return nil }
        let hex = digest.dropFirst(7)
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(hex)
    }

    /// A tool's last error line without its logging prefix (`time=… level=fatal msg="…"`).
    private static func cleaned(_ line: String) -> String {
        guard let start = line.range(of: "msg=\"") else { return line }
        var message = String(line[start.upperBound...])
        if message.hasSuffix("\"") { message.removeLast() }
        return message.replacingOccurrences(of: "\\\"", with: "\"")
    }
}

extension ImageStore {
    /// Forgets images no task used for `gcDelay`, then removes the root filesystems, blobs and layer checks nothing
    /// references any more (those of forgotten images, and what failed pulls left). Skipped while a pull runs (it may
    /// be writing blobs the index does not name yet).
    func collectGarbage() {
        guard pulling == nil else { return }
        let cutoff = now() - settings.gcDelay.seconds
        let expired = records.values.filter { $0.lastUsed <= cutoff && users[$0.manifest] == nil }
        for record in expired { records[record.reference] = nil }
        if !expired.isEmpty { save() }
        let files = FileManager.default
        let keys = Set(records.values.map(\.key))
        guard let data = files.contents(atPath: layout + "/index.json"),
              var index = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return }
        let manifests = (index["manifests"] as? [[String: Any]] ?? []).filter {
            guard let name = ($0["annotations"] as? [String: Any])?["org.opencontainers.image.ref.name"] as? String else { return false }
            return keys.contains(name)
        }
        if manifests.count != (index["manifests"] as? [Any])?.count {
            index["manifests"] = manifests
            guard let updated = try? JSONSerialization.data(withJSONObject: index),
                  (try? Files.writeAtomically(layout + "/index.json", Array(updated))) != nil else { return }
        }
        var referenced = Set<String>()
        for digest in manifests.compactMap({ Self.hex($0["digest"]) }) {
            referenced.insert(digest)
            if let manifest = json(blob(digest)) {
                if let config = Self.hex((manifest["config"] as? [String: Any])?["digest"]) { referenced.insert(config) }
                for layer in manifest["layers"] as? [[String: Any]] ?? [] { if let hex = Self.hex(layer["digest"]) { referenced.insert(hex) } }
            }
        }
        let live = Set(records.values.map(\.manifest)).union(users.keys)
        var removed = 0
        for name in (try? files.contentsOfDirectory(atPath: settings.directory + "/rootfs")) ?? [] where !live.contains(name) {
            try? files.removeItem(atPath: settings.directory + "/rootfs/" + name)
            configs[name] = nil
            removed += 1
        }
        for name in (try? files.contentsOfDirectory(atPath: layout + "/blobs/sha256")) ?? [] where !referenced.contains(name) {
            try? files.removeItem(atPath: blob(name))
            try? files.removeItem(atPath: settings.directory + "/checked/" + name)
            removed += 1
        }
        if removed > 0 || !expired.isEmpty {
            logger.info("image garbage collection: forgot \(expired.map(\.reference)), removed \(removed) blobs and root filesystems")
        }
    }
}

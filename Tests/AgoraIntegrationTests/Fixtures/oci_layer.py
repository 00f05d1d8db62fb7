"""Appends one hand-made layer to an image of an OCI layout, as a new tag: the entries are written exactly as given
(names may hold whiteouts such as '.wh.name' or '.wh..wh..opq', or a hostile '../' path), so tests can build images
no image builder would. Usage: oci_layer.py LAYOUT FROM_TAG TO_TAG ENTRIES_JSON, where ENTRIES_JSON is a list of
{"name": ..., "content": ...} (a file) or {"name": ..., "dir": true}."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as blob:
        blob.write(data)
    return "sha256:" + digest


def read_blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as blob:
        return blob.read()


def main():
    layout, source, target, entries = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    with open(os.path.join(layout, "index.json")) as handle:
        index = json.load(handle)
    base = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == source)
    manifest = json.loads(read_blob(layout, base["digest"]))
    config = json.loads(read_blob(layout, manifest["config"]["digest"]))

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry["name"])
            info.mtime = 0
            if entry.get("dir"):
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
            else:
                content = entry.get("content", "").encode()
                info.size = len(content)
                info.mode = 0o644
                archive.addfile(info, io.BytesIO(content))
    uncompressed = raw.getvalue()
    compressed = gzip.compress(uncompressed, mtime=0)
    layer = write_blob(layout, compressed)
    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(uncompressed).hexdigest())
    config.setdefault("history", []).append({"created_by": "oci_layer.py"})
    config_bytes = json.dumps(config).encode()
    manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": write_blob(layout, config_bytes),
                          "size": len(config_bytes)}
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer,
                               "size": len(compressed)})
    manifest_bytes = json.dumps(manifest).encode()
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != target]
    index["manifests"].append({"mediaType": base["mediaType"], "digest": write_blob(layout, manifest_bytes),
                               "size": len(manifest_bytes),
                               "annotations": {"org.opencontainers.image.ref.name": target}})
    with open(os.path.join(layout, "index.json"), "w") as handle:
        json.dump(index, handle)
    print(layer)


main()

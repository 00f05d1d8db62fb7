#!/usr/bin/env bash
# Builds the small images the container tests run, into the OCI layout DIR/oci, without the internet: a busybox root
# filesystem from Debian's busybox-static packed with umoci, then hand-made layers (oci_layer.py).
#   web-1, web-2  busybox httpd serving /www on $PORT0 (index.html says "web 1" / "web 2"; os-release copied from
#                 /etc/os-release at start, so HTTP shows what the container sees)
#   layered       web-1 plus two layers: /data/old.txt, then an opaque /data with new.txt and a whiteout of
#                 /www/index.html
#   bare          a root filesystem with no Entrypoint and no Cmd
#   evil          web-1 plus a layer whose entry is ../../etc/passwd
#   unique        web-1 plus a layer no other image has (the tests corrupt it in the registry)
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is missing: run 'make deps'" >&2; exit 1; }
cd "$dir"
rm -rf oci bundle
umoci init --layout oci
umoci new --image oci:base
umoci unpack --image oci:base bundle >/dev/null
mkdir -p bundle/rootfs/bin bundle/rootfs/etc bundle/rootfs/www bundle/rootfs/tmp
cp "$busybox" bundle/rootfs/bin/busybox
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "bundle/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > bundle/rootfs/etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > bundle/rootfs/etc/group
printf 'NAME="Agora Test Linux"\nID=agora-test\nVERSION_ID=1\n' > bundle/rootfs/etc/os-release
echo "web 1" > bundle/rootfs/www/index.html
umoci repack --image oci:base bundle
rm -rf bundle
serve='cp /etc/os-release /www/os-release; echo serving on ${PORT0:-8080}; exec httpd -f -p ${PORT0:-8080} -h /www'
umoci config --image oci:base --tag bare --config.env PATH=/bin
umoci config --image oci:base --tag web-1 --config.env PATH=/bin --config.entrypoint /bin/sh --config.entrypoint -c \
    --config.entrypoint "$serve"
python3 "$here/oci_layer.py" oci web-1 web-2 '[{"name": "www/index.html", "content": "web 2\n"},
    {"name": "etc/os-release", "content": "NAME=\"Agora Test Linux\"\nID=agora-test\nVERSION_ID=2\n"}]' >/dev/null
python3 "$here/oci_layer.py" oci web-1 layered-0 '[{"name": "data", "dir": true},
    {"name": "data/old.txt", "content": "old\n"}]' >/dev/null
python3 "$here/oci_layer.py" oci layered-0 layered '[{"name": "data/.wh..wh..opq", "content": ""},
    {"name": "data/new.txt", "content": "new\n"}, {"name": "www/.wh.index.html", "content": ""}]' >/dev/null
python3 "$here/oci_layer.py" oci web-1 evil '[{"name": "../../etc/passwd", "content": "pwned::0:0::/:/bin/sh\n"}]' >/dev/null
python3 "$here/oci_layer.py" oci web-1 unique "[{\"name\": \"unique.txt\", \"content\": \"$RANDOM$RANDOM $(date +%s%N)\\n\"}]"

#!/usr/bin/env bash
# Builds the OCI image (scripts/build-image.sh) and checks it without a container
# runtime: rootful crun refuses to start containers on this machine ("cgroups in
# hybrid mode not supported"), so each command runs in a working container of the
# image with `buildah run --isolation chroot`, which applies the image's user
# (10001), environment and working directory and mounts /proc and /dev, as a runtime
# would, but no cgroups or network namespace:
#  1. the image's configuration: entry point /usr/bin/genre-stream, user 10001:10001;
#     contrib/kubernetes/stream.yaml names this image (its version);
#  2. genre-stream, ffmpeg and bash start (every shared library is in the image), as
#     the user 10001; ffmpeg has https, and with -tls_verify 1 refuses a local https
#     server signed by a test CA until the CA is added to the image's bundle;
#  3. the entry point with the default model on a demo clip on stdin: every JSONL
#     line parses and has a label of the model; the clip is classical;
#  4. the liveness probe (genre-stream-fresh) fails while genre-stream has no window;
#  5. the pods' command (genre-stream-url, as contrib/kubernetes runs it) on a demo
#     file through ffmpeg in real time: the probe passes once a window is out,
#     genre-stream is the main process and ffmpeg its child, SIGTERM ends it with 143,
#     every line names the stream, nothing was written in the image's file system
#     (the pods' root is read-only); without STREAM_URL it exits 64.
# Usage: scripts/check-image.sh [--binary PATH]   (default: the release binary, built
# as scripts/install.sh builds it; a no-op after scripts/leak-check.sh in CI)
set -euo pipefail
cd "$(dirname "$0")/.."
tag="$(scripts/build-image.sh "$@")"
container=""
https_server=""
work="$(mktemp -d)"
cleanup() {
    [ -z "$https_server" ] || kill "$https_server" 2>/dev/null || true
    [ -z "$container" ] || buildah rm "$container" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-image: $*" >&2; exit 1; }

# 1. The configuration a runtime reads.
config="$(buildah inspect --type image --format '{{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' "$tag")"
[ "$config" = "10001:10001 [/usr/bin/genre-stream]" ] \
    || fail "expected user 10001:10001 and entry point [/usr/bin/genre-stream]; the image has '$config'"
echo "check-image: $tag: $(buildah images --format '{{.Size}}' "$tag" | head -1), user and entry point: $config"
grep -q "^ *image: $tag\$" contrib/kubernetes/stream.yaml \
    || fail "contrib/kubernetes/stream.yaml does not name the image built, $tag"

container="$(buildah from "$tag")"
in_image() { buildah run --isolation chroot -v "$PWD/demo:/demo:ro" "$@"; }

# 2. Each executable loads (the loader, its libraries) and runs as the image's user.
version="$(in_image "$container" -- /usr/bin/genre-stream --version < /dev/null)"
ffmpeg_version="$(in_image "$container" -- /usr/bin/ffmpeg -hide_banner -version < /dev/null | head -1)"
# shellcheck disable=SC2016  # $UID is the image's bash's
uid="$(in_image "$container" -- /usr/bin/bash -c 'echo $UID' < /dev/null)"
[ "$uid" = 10001 ] || fail "commands run as uid '$uid', expected 10001"
in_image "$container" -- /usr/bin/ffmpeg -hide_banner -protocols < /dev/null | grep -qx '  *https' \
    || fail "the image's ffmpeg has no https protocol"
in_image "$container" -- /usr/bin/bash -c '[ -s /etc/ssl/certs/ca-certificates.crt ]' < /dev/null \
    || fail "no CA bundle at /etc/ssl/certs/ca-certificates.crt"
echo "check-image: runs as uid $uid: $version; $ffmpeg_version, https, CA bundle"

# ffmpeg verifies a server's certificate only with -tls_verify 1, and then against the
# image's bundle: a test CA's server fails, and passes once the CA is in the bundle
# (of this working container only; the image keeps Debian's). openssl comes with
# ca-certificates, which build-image.sh installs.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=check-image CA" \
    -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -days 1 -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
    -extfile <(echo "subjectAltName=IP:127.0.0.1") -out "$work/server.crt" 2>/dev/null
tls_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 - "$tls_port" "$PWD/demo" "$work/server.crt" "$work/server.key" > "$work/https.log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
port, directory, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
handler.log_message = lambda *args: None
server = http.server.HTTPServer(("127.0.0.1", port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
https_server=$!
https_get() {  # prints how many bytes of WAV ffmpeg wrote
    { in_image "$container" -- /usr/bin/ffmpeg -nostdin -hide_banner -loglevel error -tls_verify 1 \
        -i "https://127.0.0.1:$tls_port/vibe_ace-kevin_macleod.ogg" -t 1 -f wav - < /dev/null 2> "$work/tls.err" || true; } | wc -c
}
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && break; sleep 0.1; done
untrusted="$(https_get)"
cat "$work/ca.crt" >> "$(buildah mount "$container")/etc/ssl/certs/ca-certificates.crt"
trusted="$(https_get)"
kill "$https_server"
wait "$https_server" 2>/dev/null || true
https_server=""
if [ "$untrusted" -ne 0 ] || [ "$trusted" -lt 1000 ]; then
    cat "$work/tls.err" >&2
    fail "ffmpeg -tls_verify 1: expected nothing from a server the bundle does not trust, audio once it does; got $untrusted and $trusted bytes"
fi
echo "check-image: ffmpeg -tls_verify 1 refuses a server outside the CA bundle and reads it ($trusted bytes of WAV) once its CA is in the bundle"

# 3. The default model on a demo clip: every line parses and has one of its labels.
in_image "$container" -- /usr/bin/genre-stream --output jsonl \
    < demo/hungarian_dance_5-us_army_strings.ogg > "$work/clip.jsonl" 2> "$work/clip.err" \
    || { cat "$work/clip.err" >&2; fail "genre-stream in the image failed on the demo clip"; }
python3 - "$work/clip.jsonl" <<'PY' || fail "the demo clip's lines (above)"
import json, sys
allowed = {"blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock",
           "speech", "other", "silence"}
lines = open(sys.argv[1]).read().splitlines()
windows = [json.loads(line) for line in lines]
bad = [w for w in windows if w.get("label") not in allowed]
labels = [w["label"] for w in windows]
print(f"check-image: demo clip in the image: {len(windows)} JSONL lines, labels {labels}")
if len(windows) < 10 or bad or labels.count("classical") < len(labels) // 2:
    print("check-image: expected 10 or more lines, each with a label, most of them classical", file=sys.stderr)
    sys.exit(1)
PY

# A free port: the chroot shares this machine's network.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
probe() { in_image "$container" -- /usr/bin/genre-stream-fresh "$port" 60 < /dev/null 2>/dev/null; }
# The process that listens on the port, from /proc (procps may not be installed).
listener() {
    local cmdline pid
    for pid in /proc/[0-9]*; do
        cmdline="$(tr '\0' ' ' < "$pid/cmdline" 2>/dev/null)" || continue
        case "$cmdline" in "/usr/bin/genre-stream "*"--listen 127.0.0.1:$port"*) echo "${pid#/proc/}"; return ;; esac
    done
}
wait_for_listener() {
    local i
    for i in $(seq 1 100); do
        pid="$(listener)"
        if [ -n "$pid" ] && [ "$(probe)" != "genre-stream-fresh: nothing listens on 127.0.0.1:$port" ]; then return 0; fi
        sleep 0.1
    done
    fail "nothing listened on 127.0.0.1:$port after 10 s"
}

# 4. Listening, but no audio yet: no window, the probe fails and says so.
# Its stdin a FIFO that this script holds open and never writes: no audio, no end.
mkfifo "$work/silent"
exec 5<> "$work/silent"
in_image "$container" -- /usr/bin/genre-stream --model small --listen "127.0.0.1:$port" \
    < "$work/silent" > /dev/null 2> "$work/idle.err" &
idle=$!
wait_for_listener
if out="$(probe)"; then fail "the probe passed before any window"; fi
[ "$out" = "genre-stream-fresh: no window yet (no genre_stream_last_window_timestamp_seconds in /metrics)" ] \
    || fail "the probe before any window said '$out'"
kill -TERM "$pid"
wait "$idle" || true
exec 5>&-
echo "check-image: before the first window the probe fails: $out"

# 5. The pods' command: ffmpeg decodes the file in real time into genre-stream.
in_image -e STREAM_URL=/demo/vibe_ace-kevin_macleod.ogg -e STREAM_NAME=check -e FFMPEG_INPUT_ARGS=-re \
    -e "GENRE_STREAM_ARGS=--model small --output jsonl --clock wall" \
    "$container" -- /usr/bin/genre-stream-url --listen "127.0.0.1:$port" \
    < /dev/null > "$work/stream.jsonl" 2> "$work/stream.err" &
stream=$!
wait_for_listener
passed=""
for i in $(seq 1 40); do
    if probe >/dev/null; then passed="after $(awk "BEGIN { print $i * 0.25 }") s"; break; fi
    sleep 0.25
done
[ -n "$passed" ] || { cat "$work/stream.err" >&2; fail "the probe did not pass in 10 s of the stream"; }
child=""
for stat in /proc/[0-9]*/stat; do
    read -r cpid _ _ ppid _ < "$stat" 2>/dev/null || continue
    [ "$ppid" = "$pid" ] && { child="$cpid"; break; }
done
child_name="$([ -z "$child" ] || cat "/proc/$child/comm")"
owner="$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
kill -TERM "$pid"
status=0
wait "$stream" || status=$?
lines="$(wc -l < "$work/stream.jsonl")"
echo "check-image: genre-stream-url: the probe passed $passed; main process genre-stream (uid $owner), its child $child_name, $lines lines, exit $status after SIGTERM"
if [ "$child_name" != ffmpeg ] || [ "$owner" != 10001 ] || [ "$status" -ne 143 ] || [ "$lines" -lt 1 ]; then
    cat "$work/stream.err" >&2
    fail "expected genre-stream as uid 10001 with ffmpeg its child, a line, and exit 143"
fi
if grep -vq '"source":"check"' "$work/stream.jsonl"; then
    head -3 "$work/stream.jsonl" >&2
    fail "a line without \"source\":\"check\" (STREAM_NAME)"
fi
# readOnlyRootFilesystem in the manifests: the commands above wrote nothing in the
# container's file system but the mount points buildah run makes (and the CA above).
upper="$(dirname "$(buildah mount "$container")")/diff"
if [ -d "$upper" ]; then
    written="$(find "$upper" -mindepth 1 -printf '%P\n' \
        | grep -vxE '(etc|etc/(hosts|hostname|resolv\.conf)|run|demo|etc/ssl|etc/ssl/certs|etc/ssl/certs/ca-certificates\.crt)' || true)"
    [ -z "$written" ] || fail "written in the image's file system: $written"
    echo "check-image: nothing written in the image's file system (a read-only root will do)"
else
    echo "check-image: no overlay upper directory at $upper: writes not checked"
fi

status=0
in_image "$container" -- /usr/bin/genre-stream-url < /dev/null > /dev/null 2> "$work/empty.err" || status=$?
[ "$status" -eq 64 ] || { cat "$work/empty.err" >&2; fail "without STREAM_URL, expected exit 64; got $status"; }
echo "check-image: without STREAM_URL: exit 64, $(head -1 "$work/empty.err")"

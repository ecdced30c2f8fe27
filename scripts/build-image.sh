#!/usr/bin/env bash
# Builds an OCI image of genre-stream with buildah, offline: from scratch, with the
# files of this machine's Debian packages only (no base image is pulled):
#   /usr/bin/genre-stream        the release binary, stripped (the entry point)
#   /usr/bin/ffmpeg              to decode network streams (Debian's build)
#   /usr/bin/bash                for contrib/image's two scripts below, and nothing else
#   /usr/bin/genre-stream-url    ffmpeg | genre-stream, as the systemd unit runs it
#   /usr/bin/genre-stream-fresh  the liveness probe on /metrics
#   the shared libraries these load (ldd) and the dynamic loader, an ld.so.cache,
#   /etc/passwd and /etc/group with the user genre-stream (10001:10001, the image's
#   user), /etc/nsswitch.conf, the CA certificates (ffmpeg's https), an empty /tmp.
# Installs buildah, ffmpeg and ca-certificates when missing.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/build-image.sh [options]

Builds the release binary (swift build -c release --static-swift-stdlib, as
scripts/install.sh does), strips a copy and commits an image from scratch with it,
ffmpeg, bash, their shared libraries and a non-root user (10001).

options:
  --binary PATH   put this binary in the image instead of building the release one
  --tag NAME      the image's name (default: localhost/genre-stream:VERSION, VERSION
                  from genre-stream --version; also tagged :latest)
  -h, --help      show this help
USAGE
}

binary=""
tag=""
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-image: unknown option '$1' (see --help)" >&2; exit 64 ;;
    esac
done

cd "$(dirname "$0")/.."
repo="$PWD"
[ -z "$binary" ] || binary="$(cd "$OLDPWD" && realpath "$binary")"

packages=(buildah ffmpeg ca-certificates)
scripts/install-packages.sh build-image "${packages[@]}"

if [ -z "$binary" ]; then
    eval "$(scripts/setup.sh)"
    swift build -c release --static-swift-stdlib --product genre-stream >&2
    binary="$(swift build -c release --show-bin-path)/genre-stream"
fi
[ -x "$binary" ] || { echo "build-image: no executable at $binary" >&2; exit 66; }
version="$("$binary" --version | awk '{print $NF}')"
also_latest=""
[ -n "$tag" ] || { tag="localhost/genre-stream:$version"; also_latest="localhost/genre-stream:latest"; }

stage="$(mktemp -d)"
container=""
cleanup() {
    if [ -n "$container" ]; then
        buildah umount "$container" >/dev/null 2>&1 || true
        buildah rm "$container" >/dev/null 2>&1 || true
    fi
    rm -rf "$stage"
}
trap cleanup EXIT
cp "$binary" "$stage/genre-stream"
strip "$stage/genre-stream"  # the symbol tables only, as install.sh does: 60 MB -> 34 MB

container="$(buildah from scratch)"
root="$(buildah mount "$container")"

# Debian 12's merged /usr: /bin, /lib and /lib64 are links into /usr, so a library
# copied to the path ldd names lands where the loader looks for it.
mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/usr/lib64" "$root/etc/ssl/certs" "$root/tmp" \
    "$root/proc" "$root/dev" "$root/sys"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

install -m 755 "$stage/genre-stream" "$root/usr/bin/genre-stream"
install -m 755 "$(command -v ffmpeg)" "$root/usr/bin/ffmpeg"
install -m 755 /bin/bash "$root/usr/bin/bash"
install -m 755 contrib/image/genre-stream-url contrib/image/genre-stream-fresh "$root/usr/bin/"

# Every library that the three executables load, at the path ldd names (the loader
# too: the line without "=>"). A library not found fails the build here, not at run time.
for exe in "$stage/genre-stream" "$(command -v ffmpeg)" /bin/bash; do
    if ldd "$exe" | grep -q "not found"; then
        echo "build-image: $exe: a library is missing on this machine:" >&2
        ldd "$exe" | grep "not found" >&2
        exit 69
    fi
    ldd "$exe" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'
done | sort -u > "$stage/libraries"
while read -r library; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done < "$stage/libraries"
# The loader's cache, for the multiarch directories (/etc/ld.so.conf.d names them).
cp -r /etc/ld.so.conf /etc/ld.so.conf.d "$root/etc/"
ldconfig -r "$root"

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
genre-stream:x:10001:10001:genre-stream:/tmp:/usr/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
genre-stream:x:10001:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
# gnutls (ffmpeg's https) reads Debian's bundle at this path.
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

# The user by number, so that Kubernetes' runAsNonRoot can check it without /etc/passwd.
buildah config \
    --entrypoint '["/usr/bin/genre-stream"]' --cmd '[]' \
    --user 10001:10001 --workingdir /tmp \
    --env PATH=/usr/bin \
    --port 9101/tcp \
    --label org.opencontainers.image.title=genre-stream \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.description="Which genre of music a stream is playing, live" \
    --label org.opencontainers.image.revision="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)" \
    "$container"
buildah umount "$container" >/dev/null
previous="$(buildah images --quiet --no-trunc "$tag" 2>/dev/null || true)"
buildah commit --quiet --rm "$container" "$tag" >/dev/null
container=""
[ -z "$also_latest" ] || buildah tag "$tag" "$also_latest"
# The image this one replaces under the tag, unless something else still names it.
if [ -n "$previous" ] && ! buildah images --noheading --format '{{.Name}}' --filter "id=$previous" | grep -qv '<none>'; then
    buildah rmi "$previous" >/dev/null 2>&1 || true
fi

size="$(buildah images --format '{{.Size}}' "$tag" | head -1)"
echo "build-image: $tag, $size ($(wc -l < "$stage/libraries") shared libraries)" >&2
echo "$tag"

#!/usr/bin/env bash
# Installs genre-stream: the release binary, stripped, its man page (generated
# from the argument parser, so it cannot drift from --help) and its bash, zsh
# and fish completions; with --with-systemd also the template unit.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/install.sh [options]

Builds the release binary (swift build -c release --static-swift-stdlib),
strips a copy and installs, under DESTDIR + PREFIX:
  bin/genre-stream
  share/man/man1/genre-stream.1
  share/bash-completion/completions/genre-stream
  share/zsh/site-functions/_genre-stream
  share/fish/vendor_completions.d/genre-stream.fish
and with --with-systemd, under DESTDIR:
  etc/systemd/system/genre-stream@.service  (ExecStart names PREFIX/bin/genre-stream)
  etc/genre-stream/example.conf

options:
  --prefix DIR         install prefix (default: $PREFIX or /usr/local)
  --destdir DIR        staging root, for packaging and tests (default: $DESTDIR or none)
  --binary PATH        install this binary instead of building the release one
  --manual-tool PATH   swift-argument-parser's generate-manual tool (default:
                       built with `swift build --product generate-manual`)
  --no-strip           install the binary unstripped
  --with-systemd       also install the systemd template unit and an example conf
  -h, --help           show this help
USAGE
}

prefix="${PREFIX:-/usr/local}"
destdir="${DESTDIR:-}"
binary=""
manual_tool=""
strip_binary=1
with_systemd=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --destdir) destdir="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        --manual-tool) manual_tool="$2"; shift 2 ;;
        --no-strip) strip_binary=0; shift ;;
        --with-systemd) with_systemd=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install: unknown option '$1' (see --help)" >&2; exit 64 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install: --prefix must be an absolute path" >&2; exit 64 ;; esac

cd "$(dirname "$0")/.."
repo="$PWD"
[ -z "$binary" ] || binary="$(cd "$OLDPWD" && realpath "$binary")"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
if [ -z "$binary" ]; then
    eval "$(scripts/setup.sh)"
    swift build -c release --static-swift-stdlib --product genre-stream >&2
    binary="$(swift build -c release --show-bin-path)/genre-stream"
fi
[ -x "$binary" ] || { echo "install: no executable at $binary" >&2; exit 66; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/genre-stream"
if [ "$strip_binary" -eq 1 ]; then
    echo "install: before strip: $(ls -l "$stage/genre-stream")" >&2
    strip "$stage/genre-stream"
    echo "install: after strip:  $(ls -l "$stage/genre-stream")" >&2
fi

# The man page, from the parser's description of every command and option.
if [ -z "$manual_tool" ]; then
    swift build --product generate-manual >&2
    manual_tool="$(swift build --show-bin-path)/generate-manual"
fi
date="$(git -C "$repo" log -1 --format=%cs 2>/dev/null || date -u +%F)"
mkdir "$stage/man"
"$manual_tool" "$stage/genre-stream" --date "$date" --output-directory "$stage/man" >&2
[ -s "$stage/man/genre-stream.1" ] || { echo "install: generate-manual wrote no genre-stream.1" >&2; exit 70; }
for shell in bash zsh fish; do
    "$stage/genre-stream" --generate-completion-script "$shell" > "$stage/completion.$shell"
done

root="$destdir$prefix"
install -D -m 755 "$stage/genre-stream" "$root/bin/genre-stream"
install -D -m 644 "$stage/man/genre-stream.1" "$root/share/man/man1/genre-stream.1"
install -D -m 644 "$stage/completion.bash" "$root/share/bash-completion/completions/genre-stream"
install -D -m 644 "$stage/completion.zsh" "$root/share/zsh/site-functions/_genre-stream"
install -D -m 644 "$stage/completion.fish" "$root/share/fish/vendor_completions.d/genre-stream.fish"
echo "install: genre-stream, its man page and completions under $root" >&2

if [ "$with_systemd" -eq 1 ]; then
    sed "s|/usr/local/bin/genre-stream|$prefix/bin/genre-stream|g" contrib/systemd/genre-stream@.service \
        > "$stage/genre-stream@.service"
    install -D -m 644 "$stage/genre-stream@.service" "$destdir/etc/systemd/system/genre-stream@.service"
    install -D -m 644 contrib/systemd/example.conf "$destdir/etc/genre-stream/example.conf"
    echo "install: $destdir/etc/systemd/system/genre-stream@.service; next:" >&2
    echo "  cp /etc/genre-stream/example.conf /etc/genre-stream/NAME.conf  # and edit it" >&2
    echo "  systemctl daemon-reload && systemctl enable --now genre-stream@NAME" >&2
fi

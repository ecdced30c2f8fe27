#!/usr/bin/env bash
# add-stream.sh NAME URL [GENRE_STREAM_ARGS]: prints stream.yaml for one more stream
# (its ConfigMap and StatefulSet, genre-stream-NAME), to review or to pipe into
# `kubectl apply -f -`. NAME is the stream's name in its lines and metrics: lower-case
# letters, digits and '-', at most 39 characters (a StatefulSet's name, with the
# "genre-stream-" before it, may have 52). GENRE_STREAM_IMAGE names the image where
# the cluster pulls it from (default: stream.yaml's, as scripts/build-image.sh tags it).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: add-stream.sh NAME URL [GENRE_STREAM_ARGS]   (e.g. add-stream.sh radio1 https://radio.example/live.mp3 | kubectl apply -f -)" >&2
    exit 64
fi
name="$1"
url="$2"
if ! [[ "$name" =~ ^[a-z0-9]([-a-z0-9]{0,37}[a-z0-9])?$ ]]; then
    echo "add-stream.sh: '$name' is not a name Kubernetes takes: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 39 characters" >&2
    exit 64
fi
for value in "$url" "${3:-}"; do
    if [[ "$value" == *$'\n'* ]]; then echo "add-stream.sh: a line break in '$value'" >&2; exit 64; fi
done
[ -n "$url" ] || { echo "add-stream.sh: the URL is empty" >&2; exit 64; }

# A value for a double-quoted YAML scalar ('\' and '"' escaped), then for sed's
# replacement ('\', '&' and the delimiter '|' escaped).
quote() {
    local yaml="${1//\\/\\\\}"
    yaml="${yaml//\"/\\\"}"
    printf '%s' "$yaml" | sed -e 's/[\\&|]/\\&/g'
}
edits=(-e "s|genre-stream-example|genre-stream-$name|g"
       -e "s|app.kubernetes.io/instance: example\$|app.kubernetes.io/instance: $name|"
       -e "s|^  STREAM_URL: \".*\"\$|  STREAM_URL: \"$(quote "$url")\"|")
[ -z "${GENRE_STREAM_IMAGE:-}" ] || edits+=(-e "s|^\( *image: \).*\$|\1$(quote "$GENRE_STREAM_IMAGE")|")
[ $# -lt 3 ] || edits+=(-e "s|^  GENRE_STREAM_ARGS: \".*\"\$|  GENRE_STREAM_ARGS: \"$(quote "$3")\"|")
# The template's own comments say how to use it; the printed manifests say what they are.
echo "# genre-stream for the stream $name, from contrib/kubernetes/add-stream.sh"
sed "${edits[@]}" "$(dirname "$0")/stream.yaml" | sed -e '1,/^apiVersion/{/^#/d}'

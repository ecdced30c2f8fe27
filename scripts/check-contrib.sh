#!/usr/bin/env bash
# Checks what contrib/ and scripts/install.sh ship, without a running systemd:
#  1. systemd-analyze verify on an instance of the template unit: any message
#     (an unknown key, a value it cannot parse, a missing program) fails;
#  2. the unit's ExecStart, as bash gets it, runs genre-stream as the main
#     process with ffmpeg as its child, writes its lines to the log file, and
#     SIGTERM ends it with 143 (SuccessExitStatus=); a stub stands in for ffmpeg
#     where there is none;
#  3. scripts/install.sh into a temporary DESTDIR with the debug binary: every
#     file is there, the man page renders, the bash completion loads.
# Usage: scripts/check-contrib.sh [BINARY]   (default .build/debug/genre-stream, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup.sh)"
binary="${1:-.build/debug/genre-stream}"
[ -x "$binary" ] || swift build --product genre-stream
binary="$(realpath "$binary")"
unit=contrib/systemd/genre-stream@.service
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. A template cannot be verified by itself: verify an instance of it. Its
# EnvironmentFile= need not exist for verify.
cp "$unit" "$work/genre-stream@example.service"
if ! out="$(cd "$work" && systemd-analyze verify --man=no --generators=no ./genre-stream@example.service 2>&1)" || [ -n "$out" ]; then
    echo "check-contrib: systemd-analyze verify $unit:" >&2
    echo "$out" >&2
    exit 1
fi
echo "check-contrib: systemd-analyze verify: no messages"

# 2. The command line as systemd hands it to bash: `$$` is `$`, %i the instance.
command="$(sed -n "s|^ExecStart=/bin/bash -c '\(.*\)'\$|\1|p" "$unit" | sed -e 's/\$\$/$/g' -e 's/%i/example/g' \
    -e "s|/usr/local/bin/genre-stream|$binary|g")"
[ -n "$command" ] || { echo "check-contrib: no ExecStart=/bin/bash -c '...' line in $unit" >&2; exit 1; }
bash -n -c "$command"
mkdir -p "$work/bin" "$work/logs"
if command -v ffmpeg >/dev/null 2>&1; then
    input_args="-re"  # real time, so that the stream is still playing when it is stopped
else
    echo "check-contrib: no ffmpeg; a stub that sends nothing stands in for it"
    printf '#!/bin/sh\nsleep 60\n' > "$work/bin/ffmpeg"
    chmod +x "$work/bin/ffmpeg"
    input_args=""
fi
PATH="$work/bin:$PATH" STREAM_URL="$PWD/demo/hungarian_dance_5-us_army_strings.ogg" LOGS_DIRECTORY="$work/logs" \
    GENRE_STREAM_ARGS="--model small --output jsonl --clock wall" FFMPEG_INPUT_ARGS="$input_args" \
    bash -c "$command" 2> "$work/stderr" &
main=$!
sleep 4
# The children from /proc (procps may not be installed).
child=""
for stat in /proc/[0-9]*/stat; do
    read -r pid _ _ ppid _ < "$stat" 2>/dev/null || continue
    [ "$ppid" = "$main" ] && { child="$pid"; break; }
done
main_name="$(cat "/proc/$main/comm")"
child_name="$([ -z "$child" ] || cat "/proc/$child/comm")"
kill -TERM "$main"
status=0
wait "$main" || status=$?
[ -z "$child" ] || kill "$child" 2>/dev/null || true
lines="$(wc -l < "$work/logs/example.jsonl")"
echo "check-contrib: ExecStart: main process $main_name, its child $child_name, $lines lines, exit $status after SIGTERM"
if [ "$main_name" != genre-stream ] || [ "$child_name" != ffmpeg ] || [ "$status" -ne 143 ]; then
    echo "check-contrib: expected genre-stream as the main process, ffmpeg its child, exit 143" >&2
    cat "$work/stderr" >&2
    exit 1
fi
if [ -z "$input_args" ] || [ "$lines" -ge 1 ]; then :; else
    echo "check-contrib: no line in the log file after 4 s of the stream" >&2
    exit 1
fi
# The instance names its stream (--name %i): every line says so.
if [ "$lines" -ge 1 ] && grep -vq '"source":"example"' "$work/logs/example.jsonl"; then
    echo "check-contrib: a log line without \"source\":\"example\" (the unit's --name %i):" >&2
    head -3 "$work/logs/example.jsonl" >&2
    exit 1
fi

# 2b. Neither STREAM_URL nor --device: genre-stream gets systemd's /dev/null for stdin and
# must end with a usage error (64, in RestartPreventExitStatus=), not exit 0 and be
# restarted every 5 s for ever.
status=0
STREAM_URL="" LOGS_DIRECTORY="$work/logs" GENRE_STREAM_ARGS="--model small" \
    bash -c "$command" < /dev/null 2> "$work/stderr-empty" || status=$?
if [ "$status" -ne 64 ] || ! grep -q "stdin is /dev/null" "$work/stderr-empty"; then
    echo "check-contrib: with neither STREAM_URL nor --device, expected exit 64 naming /dev/null; got $status:" >&2
    cat "$work/stderr-empty" >&2
    exit 1
fi
echo "check-contrib: no STREAM_URL and no --device: exit 64, $(cat "$work/stderr-empty")"

# 3. Every GENRE_STREAM_ARGS line of example.conf, commented out or not, is a command line
# genre-stream accepts: each runs for 3 s of a demo file (in place of any --device: no sound
# card here) and must exit 0 (a flag given a value it does not take reads the value as a
# file: exit 66, and the unit would restart for ever).
conf=contrib/systemd/example.conf
examples=0
while IFS= read -r line; do
    args="$(sed -e 's/^#\{0,1\}GENRE_STREAM_ARGS="\(.*\)"$/\1/' -e 's/--device [^ ]*//' <<< "$line")"
    # shellcheck disable=SC2086  # the unit splits GENRE_STREAM_ARGS into words too
    if ! out="$("$binary" $args --model small --duration 3 "$PWD/demo/hungarian_dance_5-us_army_strings.ogg" 2>&1 >/dev/null)"; then
        echo "check-contrib: $conf: '$line' fails: $out" >&2
        exit 1
    fi
    examples=$((examples + 1))
done < <(grep -E '^#?GENRE_STREAM_ARGS=' "$conf")
[ "$examples" -ge 3 ] || { echo "check-contrib: $conf: $examples GENRE_STREAM_ARGS lines, expected 3 or more" >&2; exit 1; }
echo "check-contrib: example.conf: all $examples GENRE_STREAM_ARGS lines run"

# 4. The install script, with the debug binary.
scripts/install.sh --binary "$binary" --destdir "$work/root" --prefix /usr --with-systemd 2> "$work/install.log" \
    || { cat "$work/install.log" >&2; exit 1; }
grep 'strip:' "$work/install.log"
for f in usr/bin/genre-stream usr/share/man/man1/genre-stream.1 usr/share/bash-completion/completions/genre-stream \
         usr/share/zsh/site-functions/_genre-stream usr/share/fish/vendor_completions.d/genre-stream.fish \
         etc/systemd/system/genre-stream@.service etc/genre-stream/example.conf; do
    [ -s "$work/root/$f" ] || { echo "check-contrib: install.sh did not install $f" >&2; exit 1; }
done
page="$work/root/usr/share/man/man1/genre-stream.1"
if command -v man >/dev/null 2>&1; then
    rendered="$(MANWIDTH=80 man -l "$page" 2>&1)"
elif command -v groff >/dev/null 2>&1; then
    rendered="$(groff -mandoc -Tutf8 "$page" 2>&1)"
else
    rendered="$(grep -E '^\.(Nm|Fl)' "$page")"
    echo "check-contrib: neither man nor groff: the page's roff checked only for its macros"
fi
for word in GENRE-STREAM --output --model features; do
    grep -q -- "$word" <<< "$rendered" || { echo "check-contrib: the man page lacks $word" >&2; exit 1; }
done
bash -c "source '$work/root/usr/share/bash-completion/completions/genre-stream' && complete -p genre-stream" >/dev/null
grep -q "ExecStart=.*exec /usr/bin/genre-stream" "$work/root/etc/systemd/system/genre-stream@.service"
echo "check-contrib: install.sh: all files, the man page renders ($(wc -l <<< "$rendered") lines), bash completion loads"

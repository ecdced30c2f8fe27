#!/usr/bin/env bash
# How the dead-air test (--dead-air-db, --dead-air-spread) does on dead air, speech and
# music, through the release binary: windows it would call silence with the level ceiling
# lifted (--dead-air-db 0, so that every window is tested), per spread limit; then, of the
# music windows below each level, how many it would call silence.
# Needs sox and ../shared/data; prints the README's table. Usage: benchmarks/dead_air.sh [model]
set -euo pipefail
cd "$(dirname "$0")/.."
B=.build/release/genre-stream
D=../shared/data
model="${1:-musicnn}"
[ -x "$B" ] || swift build -c release --product genre-stream >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Dead air as a transmitter chain makes it: a noise floor, dither, hum with hiss, coloured noise.
sox -n -r 44100 -c 2 -b 16 "$work/white-48.wav" synth 60 whitenoise vol 0.0123
sox -n -r 48000 -c 1 -b 16 "$work/dither-54.wav" synth 60 whitenoise vol 0.006
sox -n -r 44100 -c 1 -b 16 "$work/hum.wav" synth 60 sine 50 vol 0.008
sox -n -r 44100 -c 1 -b 16 "$work/hiss.wav" synth 60 whitenoise vol 0.0008
sox -m "$work/hum.wav" "$work/hiss.wav" "$work/hum-hiss-51.wav" && rm "$work/hum.wav" "$work/hiss.wav"
sox -n -r 44100 -c 2 -b 16 "$work/pink-45.wav" synth 60 pinknoise vol 0.03
sox -n -r 44100 -c 1 -b 16 "$work/brown-45.wav" synth 60 brownnoise vol 0.012

# label,level_dbfs of every window of the files given, with spread limit $1.
windows() {
    local t=$1; shift
    for f in "$@"; do
        "$B" --model "$model" --dead-air-db 0 --dead-air-spread "$t" --silence-db=-200 --summary off --smooth off \
            --output csv "$f" 2>/dev/null | tail -n +2 | cut -d, -f6,10
    done
}
count() { awk -F, -v name="$1" -v t="$2" '{ n++; if ($1 == "silence") d++ } END { printf "spread < %s dB, %s: %d of %d windows\n", t, name, d, n }'; }
music=("$D"/gtzan-audio/valid/*/* "$D"/realworld/*/*)
for t in 1.0 1.5; do
    windows "$t" "$work"/*.wav | count "synthetic dead air" "$t"
    windows "$t" "$D"/nonmusic/speech/* | count "speech" "$t"
    windows "$t" "$D"/gtzan-audio/valid/*/* | count "GTZAN valid music" "$t"
    windows "$t" "$D"/realworld/*/* | count "real-world songs" "$t"
    windows "$t" "${music[@]}" | awk -F, -v t="$t" '
        { for (c = -40; c <= -30; c += 10) if ($2 < c) { n[c]++; if ($1 == "silence") d[c]++ } }
        END { for (c = -40; c <= -30; c += 10) printf "spread < %s dB, music below %d dBFS: %d of %d windows\n", t, c, d[c], n[c] }'
done

#!/usr/bin/env bash
# The figures of the README's sizing table: for each built-in model, the CPU time and
# peak RSS of one stream as the pods run it (ffmpeg decoding an MP3 stream to WAV,
# genre-stream with --output jsonl --clock wall --listen), at full speed on a long
# file, so that CPU seconds per second of audio is the share of a core one real-time
# stream takes; then STREAMS (8) streams at once in real time for the memory a stream
# takes on a node that runs many; then `genre-stream bench` for each model's network
# time and the machine's measured FMA peak (for the Raspberry Pi 4 estimate).
# Usage: [STREAMS=N] benchmarks/sizing.sh [BINARY] [MINUTES] [RUNS]
#   (default .build/release/genre-stream, built as scripts/demo.sh builds it; 10; 3)
# Prints one line per run and model, then the bench lines; nothing else is written.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-}"
minutes="${2:-10}"
runs="${3:-3}"
if [ -z "$binary" ]; then
    eval "$(scripts/setup.sh)"
    swift build -c release --static-swift-stdlib --product genre-stream >&2
    binary="$(swift build -c release --show-bin-path)/genre-stream"
fi
[ -x /usr/bin/time ] || { echo "sizing: needs GNU time (apt-get install time)" >&2; exit 69; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A radio stream's usual format: MP3, 128 kbit/s, 44.1 kHz stereo; the two demo clips
# (1:45 together) looped to MINUTES.
ffmpeg -nostdin -loglevel error -i demo/vibe_ace-kevin_macleod.ogg -i demo/hungarian_dance_5-us_army_strings.ogg \
    -filter_complex '[0:a]aresample=44100,aformat=channel_layouts=stereo[a];[1:a]aresample=44100,aformat=channel_layouts=stereo[b];[a][b]concat=n=2:v=0:a=1' \
    -f wav "$work/pair.wav"
ffmpeg -nostdin -loglevel error -stream_loop -1 -i "$work/pair.wav" -t "$((minutes * 60))" \
    -c:a libmp3lame -b:a 128k "$work/stream.mp3"
seconds="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$work/stream.mp3")"
echo "sizing: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sizing: input ${seconds} s of MP3, 128 kbit/s, 44.1 kHz stereo"

for run in $(seq 1 "$runs"); do
    for model in fusion musicnn small; do
        # %U+%S: CPU seconds; %M: peak RSS in KiB; %e: wall seconds.
        /usr/bin/time -f '%U %S %M %e' -o "$work/ffmpeg.time" \
            ffmpeg -nostdin -hide_banner -nostats -loglevel warning -i "$work/stream.mp3" -f wav -ac 1 - \
            | /usr/bin/time -f '%U %S %M %e' -o "$work/genre-stream.time" \
                "$binary" --model "$model" --output jsonl --clock wall --listen 127.0.0.1:0 > /dev/null 2> "$work/stderr"
        read -r fu fs fm _ < "$work/ffmpeg.time"
        read -r gu gs gm ge < "$work/genre-stream.time"
        awk -v model="$model" -v run="$run" -v s="$seconds" -v fu="$fu" -v fs="$fs" -v fm="$fm" \
            -v gu="$gu" -v gs="$gs" -v gm="$gm" -v ge="$ge" 'BEGIN {
            share = (gu + gs + fu + fs) / s
            printf "sizing: run %d %-7s genre-stream %.3f s CPU (%.3f%% of a core), %.1f MiB peak RSS; ffmpeg %.3f s CPU (%.3f%%), %.1f MiB; together %.3f%% of a core: %.0f streams per core; %.1f MiB: %.0f streams per GiB (wall %.1f s)\n",
                run, model, gu + gs, 100 * (gu + gs) / s, gm / 1024, fu + fs, 100 * (fu + fs) / s, fm / 1024,
                100 * share, 1 / share, (gm + fm) / 1024, 1024 * 1024 / (gm + fm), ge
        }'
    done
done

# Memory with many streams on one node: STREAMS pipelines at once in real time (ffmpeg
# -re), as the pods run them (genre-stream the process, ffmpeg its child); 10 s in, the
# sum of their proportional set sizes (PSS: each page shared by k processes counts
# 1/k, so the libraries' code, mapped once per node, is spread over the streams) and
# of their anonymous pages (heap, stacks, the model's weights and activations, the
# libraries' relocated data: what each further stream adds), from smaps_rollup.
streams="${STREAMS:-8}"
for model in fusion musicnn small; do
    mains=()
    for _ in $(seq 1 "$streams"); do
        bash -c 'exec "$0" --model "$1" --output jsonl --clock wall --listen 127.0.0.1:0 > /dev/null 2>&1 \
            < <(exec ffmpeg -nostdin -hide_banner -nostats -loglevel warning -re -i "$2" -f wav -ac 1 -)' \
            "$binary" "$model" "$work/stream.mp3" &
        mains+=($!)
    done
    sleep 10
    pids=("${mains[@]}")
    for stat in /proc/[0-9]*/stat; do
        read -r pid _ _ ppid _ < "$stat" 2>/dev/null || continue
        for main in "${mains[@]}"; do [ "$ppid" = "$main" ] && pids+=("$pid"); done
    done
    for pid in "${pids[@]}"; do cat "/proc/$pid/smaps_rollup"; done \
        | awk -v model="$model" -v n="$streams" -v procs="${#pids[@]}" '/^Pss:/ { pss += $2 } /^Anonymous:/ { anon += $2 }
            END { printf "sizing: %d streams at once, %s (%d processes): PSS %.1f MiB in all, %.1f MiB a stream: %.0f streams per GiB; anonymous %.1f MiB a stream: %.0f per GiB\n",
                  n, model, procs, pss / 1024, pss / 1024 / n, 1024 * 1024 * n / pss, anon / 1024 / n, 1024 * 1024 * n / anon }'
    kill "${mains[@]}"
    wait "${mains[@]}" || true
done

for model in fusion musicnn small; do
    "$binary" bench --model "$model" --seconds 60 --windows 20 2>&1 \
        | grep -E '^genre-stream bench|^Network per window|per .*window.*%|convolutions: scalar' | sed "s/^/sizing: bench $model: /"
done

#!/usr/bin/env bash
# Runs the libFuzzer targets for a given time: `scripts/fuzz.sh TARGET SECONDS`,
# TARGET = stream (WAV/AU header reader and sample decoder), model (model file loader
# and the network it builds) or all (both at once, one per core).
#
# Builds into .build-fuzz with libFuzzer and AddressSanitizer. Each target starts from
# its seed corpus, Fuzz/corpus/TARGET, plus what earlier runs found in
# .fuzz-corpus/TARGET, and adds new inputs there. A crash, sanitizer report, timeout or
# oversized allocation is saved as .fuzz-artifacts/TARGET/crash-*, oom-* or timeout-*;
# the script then prints it replayed with its message, and exits 1.
# libFuzzer's full log is .fuzz-artifacts/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/fuzz.sh stream|model|all SECONDS" >&2; exit 64; }
[ $# -eq 2 ] || usage
case "$1" in stream | model) targets=("$1") ;; all) targets=(stream model) ;; *) usage ;; esac
[[ "$2" =~ ^[1-9][0-9]*$ ]] || usage
seconds=$2

eval "$(scripts/setup.sh)"

product() { case "$1" in stream) echo StreamFuzzer ;; model) echo ModelFuzzer ;; esac; }

# Swift code gets libFuzzer's coverage hooks and ASan from swiftc; the C kernels get
# the same through clang (fuzzer-no-link: coverage only, the runtime comes once, from
# swiftc). The targets start libFuzzer by looking up LLVMFuzzerRunDriver with dlsym,
# so it must be in the dynamic symbol table.
build_flags=(-c debug --scratch-path .build-fuzz
             -Xswiftc -sanitize=fuzzer,address
             -Xcc -fsanitize=fuzzer-no-link,address
             -Xlinker --export-dynamic-symbol=LLVMFuzzerRunDriver)
mkdir -p .fuzz-artifacts
for t in "${targets[@]}"; do
    echo "fuzz: building $(product "$t")" >&2
    if ! swift build "${build_flags[@]}" --product "$(product "$t")" >.fuzz-artifacts/build.log 2>&1; then
        cat .fuzz-artifacts/build.log >&2
        echo "fuzz: build of $(product "$t") failed" >&2
        exit 1
    fi
done

# Per input: stream inputs up to 20 KB (several refills of the 512-byte buffer), model
# inputs up to 16 KB (the largest seed is 11 KB). Any input that takes over 10 s, asks
# for more than 1 GiB in one allocation or takes the process over 2 GiB is a finding.
options() {
    case "$1" in
        stream) echo -max_len=20000 ;;
        model) echo -max_len=16384 ;;
    esac
    echo -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1
}

run() {
    local t=$1 bin artifacts log
    bin=".build-fuzz/debug/$(product "$t")"
    artifacts=".fuzz-artifacts/$t"
    log=".fuzz-artifacts/$t.log"
    mkdir -p ".fuzz-corpus/$t" "$artifacts"
    # close_fd_mask=2 silences the decoder's stderr warnings (a truncated frame, ...),
    # which would otherwise fill the log; libFuzzer and ASan keep writing theirs.
    # SWIFT_BACKTRACE=enable=no: libFuzzer prints the stack of a crash itself.
    local status=0
    SWIFT_BACKTRACE=enable=no "$bin" $(options "$t") -max_total_time="$seconds" -close_fd_mask=2 \
        -dict="Fuzz/$t.dict" -artifact_prefix="$artifacts/" \
        ".fuzz-corpus/$t" "Fuzz/corpus/$t" >"$log" 2>&1 || status=$?
    echo "$status" >"$artifacts.status"
}

echo "fuzz: running ${targets[*]} for ${seconds}s" >&2
pids=()
for t in "${targets[@]}"; do run "$t" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done

failed=0
for t in "${targets[@]}"; do
    log=".fuzz-artifacts/$t.log"
    status=$(cat ".fuzz-artifacts/$t.status")
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    coverage=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+' || true)
    echo "fuzz: $t: ${runs:-?} executions in ${seconds}s (${rate:-?} exec/s), ${coverage:-no coverage line}, ${new:-?} new inputs, peak RSS ${rss:-?} MB"
    if [ "$status" -ne 0 ]; then
        failed=1
        echo "fuzz: $t FAILED (exit $status); the end of $log:" >&2
        grep -v -e '^#[0-9]' -e '^INFO:' "$log" | tail -40 >&2
        for input in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
            echo "fuzz: replaying $input:" >&2
            SWIFT_BACKTRACE=enable=no timeout 60 ".build-fuzz/debug/$(product "$t")" "$input" 2>&1 \
                | grep -v -e '^INFO:' | head -30 >&2 || true
        done
    fi
done
exit "$failed"

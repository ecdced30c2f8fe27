#!/usr/bin/env bash
# Runs the end-to-end tests with the release binary under valgrind memcheck: the
# end-to-end, bad-input, sink (segments, summaries, SIGUSR1's thread) and stall
# tests (the `EndToEndTests` pattern matches SinkEndToEndTests and StallEndToEndTests,
# and FusedTagsEndToEndTests: one window of the fused default model with its sound
# tags, about 70 s under valgrind), and MusicnnTests (musicnn's code paths on four
# windows; DefaultModelTests' 32 windows and FusedModelTests' demo clips would add
# 12 minutes or more under valgrind):
# any definite leak or memory error makes the binary exit 99 and its test fail.
# Installs valgrind if missing. CI runs this after scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup.sh)"
scripts/install-packages.sh leak-check valgrind
swift build --build-tests
# The release binary as scripts/demo.sh builds it.
swift build -c release --static-swift-stdlib --product genre-stream
mkdir -p .build/leak-check
cp .build/release/genre-stream .build/leak-check/genre-stream
# valgrind 3.19 cannot read the DWARF 5 debug info Swift's clang writes.
strip --strip-debug .build/leak-check/genre-stream
GENRE_STREAM_TEST_BINARY="$PWD/.build/leak-check/genre-stream" GENRE_STREAM_TEST_VALGRIND=1 \
    swift test --skip-build --filter "${1:-EndToEndTests|BadInputTests|MusicnnTests}"

#!/usr/bin/env bash
# The test suite: installs what is missing, then builds and runs every test,
# then checks the C kernels for aarch64 (NEON, under qemu-user) and natively,
# then fuzzes the stream decoder and the model loader briefly.
# Tests that need ../shared/data (the project's training data) skip with a
# message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup.sh)"
scripts/check-kernels-aarch64.sh
swift build --build-tests
# swift-argument-parser's man page generator, for the install script's test (CommandLineTests).
swift build --product generate-manual
swift test --skip-build "$@"
# A short smoke run of each fuzz target from its seed corpus; the long runs are
# `scripts/fuzz.sh all 600`. Skipped when arguments select some tests only.
[ $# -gt 0 ] || scripts/fuzz.sh all 20

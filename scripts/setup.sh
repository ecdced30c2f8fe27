#!/usr/bin/env bash
# Installs the Debian packages genre-stream builds against (and its tests use),
# if any is missing. Uses sudo when not run as root. Safe to run again.
set -euo pipefail

# sox and alsa-utils (arecord) only for the tests that compare with their output.
packages=(pkg-config libasound2-dev libfftw3-dev libsndfile1-dev libsoxr-dev libebur128-dev sox alsa-utils systemd curl chromium ffmpeg)
"$(dirname "$0")/install-packages.sh" setup "${packages[@]}"

# The Swift toolchain: on PATH already, or at /opt/swift as on the project's machines.
if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "export PATH=/opt/swift/usr/bin:\$PATH"
    else
        echo "setup: no Swift toolchain found; install Swift 6.3 from swift.org" >&2
        exit 1
    fi
fi

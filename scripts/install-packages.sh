#!/usr/bin/env bash
# Installs those of the named Debian packages that are missing (sudo when not root),
# saying which on stderr, never on stdout (setup.sh's stdout is eval'ed).
# Usage: scripts/install-packages.sh WHO PACKAGE...   (WHO prefixes the message)
set -euo pipefail
who="$1"
shift
missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "$who: installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null

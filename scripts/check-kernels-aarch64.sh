#!/usr/bin/env bash
# Cross-compiles the C kernels and Tests/KernelCheck for aarch64 and runs the
# check under qemu-user, so the NEON kernels are tested on an x86 machine.
# Installs gcc-aarch64-linux-gnu and qemu-user if missing (sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh check-kernels-aarch64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
aarch64-linux-gnu-gcc -std=c11 -O2 -static -Wall -Wextra -Werror \
    -I Sources/CKernels/include -I Sources/CKernels \
    $(find Sources/CKernels -name '*.c') Tests/KernelCheck/kernel_check.c -lm -o "$out/kernel_check"
echo "aarch64 (qemu-user):"
qemu-aarch64 "$out/kernel_check"
# The same check natively, for the x86-64 AVX2 path with GCC as well as clang.
cc -std=c11 -O2 -Wall -Wextra -Werror -I Sources/CKernels/include -I Sources/CKernels \
    $(find Sources/CKernels -name '*.c') Tests/KernelCheck/kernel_check.c -lm -o "$out/kernel_check_native"
echo "native ($(uname -m)):"
"$out/kernel_check_native"

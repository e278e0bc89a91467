#!/usr/bin/env bash
# Cross-builds the SIMD kernel tests (native/test/simd_tests.cc: every NEON kernel against the
# scalar one, bit-exact) for aarch64 with Debian's g++-aarch64-linux-gnu and runs them under
# qemu-aarch64, with NEON and with TENSORLOADER_SIMD=off. Release flags, as the arm64 prebuild
# is compiled. Only the SIMD sources are built (CMake's TL_SIMD_TESTS_ONLY), so no arm64 libvips
# or zlib is needed. qemu runs the code, so timings printed here say nothing about arm64 speed.
# Needs: g++-aarch64-linux-gnu, qemu-user (.ci/run installs both for the arm64 prebuild).
# Usage: scripts/native-tests-arm64.sh   (from any directory; extra arguments go to ctest)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-arm64-simd
SYSROOT=/usr/aarch64-linux-gnu
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || {
    echo "native-tests-arm64: $tool not found (Debian's g++-aarch64-linux-gnu and qemu-user)" >&2
    exit 1
  }
done

# The toolchain file is read on the first configure only (cmake warns when it is given again).
toolchain=()
[ -f "$BUILD_DIR/CMakeCache.txt" ] || toolchain=(-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake)
cmake -S . -B "$BUILD_DIR" "${toolchain[@]}" -DTL_SIMD_TESTS_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-aarch64;-L;$SYSROOT"
cmake --build "$BUILD_DIR" -j "$JOBS"

cd "$BUILD_DIR"
ctest --output-on-failure -V "$@"

#!/usr/bin/env bash
# Builds the native core tests with ASan + UBSan (LeakSanitizer comes with ASan on Linux) and
# runs them under ctest. Any sanitizer report aborts the test binary, so ctest fails.
# No LSan suppressions are needed: the tests start libvips (vips_runtime_init) and neither
# glib nor libvips reported a leak at exit; if a libvips upgrade changes that, add
# native/test/lsan.supp with `leak:libvips-cpp`-style frames only and set LSAN_OPTIONS here.
# The SIGBUS guard tests install tensorloader's SIGBUS handler over ASan's: ASan's default
# handle_sigbus=1 allows that (the guard passes any other SIGBUS on to ASan's handler), so do
# not set handle_sigbus=2 (exclusive) here.
# Usage: scripts/native-tests.sh   (from any directory; extra arguments go to ctest)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=build-asan-core
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

cmake -S . -B "$BUILD_DIR" -DTL_CORE_TESTS=ON -DTL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build "$BUILD_DIR" -j "$JOBS"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

cd "$BUILD_DIR"
# -V shows the per-test PASS lines and the binary's closing "N passed, M failed" line.
ctest --output-on-failure -V "$@"

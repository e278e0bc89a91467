#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer and runs the vitest suite
# against it with LeakSanitizer on. node itself is not instrumented, so the ASan runtime is
# preloaded into the node processes (vitest's, its test processes, and the node children that
# tests spawn, which inherit the environment); nothing else runs with it.
#
# Leaks, and where they are caught:
#  - every process checks for leaks when it exits through exit(); reports go to files in
#    build-asan/sanitizer-reports/ (log_path), and any file there fails this script, whatever
#    the exit status of the process that wrote it was (a child whose status nobody looked at,
#    say). The same holds for ASan and UBSan errors.
#  - vitest ends its test processes with SIGTERM, which skips that exit check, so each test
#    process also runs the check itself after its file (test/helpers/lsan-setup.ts, enabled by
#    TENSORLOADER_LSAN=1); a leak there fails the file.
#  - node and V8 leave memory to the OS at exit: scripts/lsan.supp suppresses those
#    allocations by the V8 function that makes them, never by a frame that can lie below our
#    code (see the file).
#
# Negative control (done by hand, not committed): a deliberate `new char[1000]` leak added to
# NpySourceWrap's constructor (JS thread) and to TextSource::parse_item (pool threads) made
# test/npy.test.ts, test/text-values.test.ts and test/lifetime.test.ts fail with
# "LeakSanitizer found leaks", the reports naming those functions; removing it made them pass.
# Redo it after changing lsan.supp.
#
# Usage: scripts/asan-addon-tests.sh [vitest arguments, e.g. test/npy.test.ts]
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p build-asan
log=build-asan/build.log
npx cmake-js compile --out build-asan --CDTL_SANITIZE=ON >"$log" 2>&1 || {
  tail -40 "$log"
  exit 1
}
if grep -q "warning:" "$log"; then
  grep "warning:" "$log"
  echo "sanitizer build has compiler warnings" >&2
  exit 1
fi

reports="$PWD/build-asan/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"

status=0
start=$SECONDS
env TENSORLOADER_SANITIZER=1 TENSORLOADER_LSAN=1 \
  TENSORLOADER_ADDON="$PWD/build-asan/Release/tensorloader.node" \
  LD_PRELOAD="$preload" \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1:handle_segv=0:log_path=$reports/report" \
  LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/report" \
  node node_modules/vitest/vitest.mjs run --reporter=dot "$@" || status=$?
echo "vitest under ASan + UBSan + LeakSanitizer: $((SECONDS - start)) s"

shopt -s nullglob
found=("$reports"/report.*)
if [ ${#found[@]} -gt 0 ]; then
  for f in "${found[@]}"; do
    echo "===== $f"
    cat "$f"
  done
  echo "sanitizer reports from ${#found[@]} process(es), above" >&2
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"

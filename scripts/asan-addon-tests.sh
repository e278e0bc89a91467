#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer and runs the vitest suite
# against it. node itself is not instrumented, so the ASan runtime is preloaded. Leak checking
# is off here because V8 and node deliberately leave memory to the OS at exit; the native core
# runs under LeakSanitizer in scripts/native-tests.sh instead.
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

export TENSORLOADER_SANITIZER=1
export TENSORLOADER_ADDON="$PWD/build-asan/Release/tensorloader.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1:handle_segv=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
npx vitest run --reporter=dot "$@"

#!/usr/bin/env bash
# Builds the libFuzzer targets of native/fuzz (clang, -fsanitize=fuzzer,address,undefined, in
# build-fuzz/) and runs each one for N seconds, one after the other, starting from its seed
# corpus and regression inputs copied to build-fuzz/runs/<target>/corpus (the repository's
# corpus is never written). Prints the executions per target; exits non-zero when a target
# crashed, leaked or broke an invariant, naming the saved input.
#
# Usage: scripts/fuzz.sh [--seconds N] [--target NAME]... [-- libFuzzer flags...]
#   --seconds N   time per target (default 60)
#   --target NAME only this target (repeatable); the targets are listed in native/fuzz/fuzz.cmake
#   JOBS=n        build parallelism (default 2)
# Needs clang and its libFuzzer runtime; installs nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=60
only=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    --target) only+=("${2:?--target needs a name}"); shift 2 ;;
    --target=*) only+=("${1#*=}"); shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fuzz: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: --seconds wants a positive whole number, got '$seconds'" >&2
  exit 2
fi

# --- clang and libFuzzer ------------------------------------------------------------------
CXX_FUZZ="${CXX_FUZZ:-clang++}"
CC_FUZZ="${CC_FUZZ:-clang}"
if ! command -v "$CXX_FUZZ" >/dev/null 2>&1; then
  echo "fuzz: $CXX_FUZZ not found. Install clang and its libFuzzer runtime, e.g. on Debian 12:" >&2
  echo "      apt-get install clang libclang-rt-14-dev" >&2
  exit 1
fi
if ! "$CXX_FUZZ" --version 2>/dev/null | grep -qi clang; then
  echo "fuzz: $CXX_FUZZ is not clang; libFuzzer needs clang (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
clang_major="$("$CXX_FUZZ" -dumpversion | cut -d. -f1)"
probe_dir="$(mktemp -d)"
trap 'rm -rf "$probe_dir"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe_dir/p.cc"
if ! "$CXX_FUZZ" -fsanitize=fuzzer,address,undefined "$probe_dir/p.cc" -o "$probe_dir/p" >"$probe_dir/log" 2>&1; then
  sed 's/^/      /' "$probe_dir/log" | head -5 >&2
  echo "fuzz: $CXX_FUZZ cannot link a libFuzzer binary: libclang_rt.fuzzer is missing. Install it:" >&2
  echo "      apt-get install libclang-rt-${clang_major}-dev" >&2
  exit 1
fi

# --- build --------------------------------------------------------------------------------
BUILD_DIR=build-fuzz
JOBS="${JOBS:-2}"
log="$BUILD_DIR/build.log"
mkdir -p "$BUILD_DIR"
if ! { cmake -S . -B "$BUILD_DIR" -DTL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_CXX_COMPILER="$CXX_FUZZ" &&
       cmake --build "$BUILD_DIR" -j "$JOBS"; } >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "fuzz: build failed (full log: $log)" >&2
  exit 1
fi
if grep -q "warning:" "$log"; then
  grep "warning:" "$log" >&2
  echo "fuzz: the fuzz build has compiler warnings" >&2
  exit 1
fi

mapfile -t targets < <(grep -v '^$' "$BUILD_DIR/fuzz-targets.txt")
if [ ${#only[@]} -gt 0 ]; then
  for t in "${only[@]}"; do
    printf '%s\n' "${targets[@]}" | grep -qx "$t" || { echo "fuzz: no target '$t' (have: ${targets[*]})" >&2; exit 2; }
  done
  targets=("${only[@]}")
fi

# --- run ----------------------------------------------------------------------------------
# Leaks are findings too; a sanitizer report ends the run, and libFuzzer saves the input.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
summary=()
for t in "${targets[@]}"; do
  run="$BUILD_DIR/runs/$t"
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  # Seeds and past crashes, flattened into one scratch corpus the fuzzer may add to.
  for kind in corpus regressions; do
    [ -d "native/fuzz/$kind/$t" ] || continue
    find "native/fuzz/$kind/$t" -type f ! -name '.*' | while read -r f; do
      cp "$f" "$run/corpus/$kind-$(basename "$f")"
    done
  done
  seeds=$(find "$run/corpus" -type f | wc -l)
  dict=()
  [ -f "native/fuzz/$t.dict" ] && dict=("-dict=native/fuzz/$t.dict")
  echo "=== $t: ${seconds}s from $seeds seeds (log: $run/fuzz.log)"
  set +e
  "$BUILD_DIR/${t}_fuzz" "$run/corpus" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
    "${dict[@]}" "${extra[@]}" >"$run/fuzz.log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/fuzz.log" | tail -1)
  corpus=$(find "$run/corpus" -type f | wc -l)
  line=$(printf '%-14s %10s execs  %4d -> %4d corpus files' "$t" "${execs:-?}" "$seeds" "$corpus")
  if [ $rc -ne 0 ]; then
    crash=$(find "$run/artifacts" -type f | head -1)
    grep -E "ERROR: |runtime error|fuzz invariant failed|SUMMARY" "$run/fuzz.log" | head -5 | sed 's/^/    /' || true
    echo "    FAILED (exit $rc). Input: ${crash:-none saved, see $run/fuzz.log}"
    echo "    reproduce: $BUILD_DIR/${t}_fuzz ${crash:-<input>}"
    echo "    once fixed, keep it: cp ${crash:-<input>} native/fuzz/regressions/$t/"
    failed+=("$t")
    line="$line  FAILED: ${crash:-see $run/fuzz.log}"
  fi
  summary+=("$line")
  echo "$line"
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi

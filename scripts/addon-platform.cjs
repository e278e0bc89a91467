// Which addon file and which libvips package belong to a platform: the one prebuild-selection
// logic for scripts/install.mjs (runs before the TypeScript is built, so this is plain
// CommonJS), src/native.ts (the loader), scripts/prebuild.mjs and CMakeLists.txt (the libvips
// package of a source build). Node built-ins only: it ships in the package and runs there.
'use strict';
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** prebuilds/<platform key>/tensorloader.napi<N>.node, N the N-API version it was built for. */
const PREBUILD_PATTERN = /^tensorloader\.napi(\d+)\.node$/;

/** What a source build needs besides node and npm. */
const BUILD_REQUIREMENTS =
  "cmake >= 3.15, g++ >= 11 (C++17 with floating-point std::from_chars), zlib's headers and libdeflate's static library (Debian: libdeflate-dev)";

/** How to build from source once the requirements are there. */
const BUILD_COMMAND = 'TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild tensorloader';

/** 'glibc' or 'musl' on Linux (as npm's `libc` field spells them), '' elsewhere. */
function libcFamily(platform = process.platform) {
  if (platform !== 'linux') return '';
  // The diagnostic report's header names the glibc it runs on; musl has none. Network
  // interfaces are left out of the report: they are slow to collect and not needed.
  const report = process.report;
  const excluded = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    return report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
  } finally {
    report.excludeNetwork = excluded;
  }
}

/** The platform this process runs on: { platform, arch, libc }. */
function hostTarget() {
  return { platform: process.platform, arch: process.arch, libc: libcFamily() };
}

/**
 * The key of a platform as @img/sharp-libvips-<key> and prebuilds/<key>/ name it: linux-x64,
 * linux-arm64, linuxmusl-x64, darwin-arm64, ...
 */
function platformKey(target) {
  return `${target.platform}${target.libc === 'musl' ? 'musl' : ''}-${target.arch}`;
}

/** The libvips package of a platform key. */
function libvipsPackage(key) {
  return `@img/sharp-libvips-${key}`;
}

/**
 * The prebuilds in `dir` a Node with N-API `napi` can load, newest N-API first, and the ones it
 * cannot, with the reason.
 */
function prebuildsIn(dir, napi = Number(process.versions.napi)) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return { usable: [], skipped: [] };
  }
  const found = names
    .map((name) => ({ name, version: Number(PREBUILD_PATTERN.exec(name)?.[1] ?? NaN) }))
    .filter((p) => Number.isInteger(p.version))
    .sort((a, b) => b.version - a.version);
  return {
    usable: found.filter((p) => p.version <= napi).map((p) => join(dir, p.name)),
    skipped: found
      .filter((p) => p.version > napi)
      .map((p) => `${join(dir, p.name)}: needs N-API ${p.version}, this Node has ${napi}`),
  };
}

/** The platform keys the package at `root` really holds a prebuild for, sorted. */
function prebuiltPlatforms(root) {
  let keys;
  try {
    keys = readdirSync(join(root, 'prebuilds'));
  } catch {
    return [];
  }
  return keys.filter((key) => prebuildsIn(join(root, 'prebuilds', key), Infinity).usable.length > 0).sort();
}

/**
 * The platform keys a source build can target: those whose @img/sharp-libvips-<key> package
 * the package at `root` lists as a dependency.
 */
function buildablePlatforms(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  const prefix = libvipsPackage('');
  return Object.keys(deps)
    .filter((name) => name.startsWith(prefix) && name !== '@img/sharp-libvips-dev')
    .map((name) => name.slice(prefix.length))
    .sort();
}

/**
 * Where the addon is looked for, in order: `override` when set (TENSORLOADER_ADDON; the test suite runs
 * against a sanitizer build that way), then the prebuilds for `target`, then build/Release. A
 * build/Release newer than the prebuild (a checkout rebuilt after `npm run prebuild`, or
 * `TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild`) comes first, so a fresh source build is never
 * shadowed by an older binary.
 */
function candidatePaths(root, target, override) {
  const prebuilds = prebuildsIn(join(root, 'prebuilds', platformKey(target))).usable;
  const local = join(root, 'build', 'Release', 'tensorloader.node');
  const localIsNewer =
    prebuilds.length > 0 && existsSync(local) && statSync(local).mtimeMs > statSync(prebuilds[0]).mtimeMs;
  return [...(override ? [override] : []), ...(localIsNewer ? [local, ...prebuilds] : [...prebuilds, local])];
}

/** The directory of the installed libvips package for `key`, seen from `root`, or undefined. */
function libvipsDir(root, key, req = require) {
  try {
    return join(req.resolve(`${libvipsPackage(key)}/package`, { paths: [root] }), '..');
  } catch {
    return undefined;
  }
}

/**
 * What the package supports, for messages: its prebuilds, the platforms a source build can
 * target, and how to build.
 */
function supportText(root) {
  const prebuilt = prebuiltPlatforms(root);
  const buildable = buildablePlatforms(root);
  return (
    `This package holds prebuilt addons for ${prebuilt.length ? prebuilt.join(', ') : 'no platform'} ` +
    `(Linux: glibc >= 2.28; N-API 9, Node >= 20.9); the native core runs on Linux only. ` +
    `A source build needs one of the libvips packages ${buildable.map(libvipsPackage).join(', ')}` +
    ` (installed as optional dependencies where they fit) and ${BUILD_REQUIREMENTS}: ` +
    `\`${BUILD_COMMAND}\` (see the README's "Install" section).`
  );
}

module.exports = {
  BUILD_COMMAND,
  BUILD_REQUIREMENTS,
  PREBUILD_PATTERN,
  buildablePlatforms,
  candidatePaths,
  hostTarget,
  libcFamily,
  libvipsDir,
  libvipsPackage,
  platformKey,
  prebuildsIn,
  prebuiltPlatforms,
  supportText,
};

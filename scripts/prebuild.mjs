// `npm run prebuild [-- --arch x64|arm64|all] [-- --ensure]`: builds the release addon of each
// target in its own build-prebuild-<key>/ (its own cache, so flags left in a development build/
// cannot leak into what is shipped) and places it at prebuilds/<key>/tensorloader.napi<N>.node,
// N the N-API version it is compiled for (package.json binary.napi_versions; CMakeLists.txt
// defines NAPI_VERSION to the same). scripts/addon-platform.cjs finds it by that name.
//
// Targets: linux-x64 natively, linux-arm64 cross-compiled on an x64 host with Debian's
// g++-aarch64-linux-gnu (cmake/aarch64-linux-gnu.cmake) against @img/sharp-libvips-linux-arm64,
// which npm installs for that platform into build-prebuild-linux-arm64/deps/. Each addon is
// checked by scripts/check-addon-elf.mjs (architecture, glibc <= 2.28, no libstdc++.so, RUNPATH);
// the native one is also loaded. Without --arch, only this host's target is built.
//
// --ensure (the `prepack` script, so `npm pack` and `npm publish` never ship an incomplete
// tarball): builds every target whose prebuild is missing or older than the native sources,
// then fails unless both are there.
//
// prebuilds/ is not committed: CI builds it before `npm pack`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonProblems } from './check-addon-elf.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const platform = require('./addon-platform.cjs');
const fail = (message) => {
  console.error(`prebuild: ${message}`);
  process.exit(1);
};

/** The targets prebuilds are made for, with what building each needs on an x64 Linux host. */
const TARGETS = {
  'linux-x64': { arch: 'x64', strip: 'strip' },
  'linux-arm64': {
    arch: 'arm64',
    compiler: 'aarch64-linux-gnu-g++',
    toolchain: join(root, 'cmake', 'aarch64-linux-gnu.cmake'),
    strip: 'aarch64-linux-gnu-strip',
    apt: 'g++-aarch64-linux-gnu zlib1g-dev:arm64 libdeflate-dev:arm64 (after `dpkg --add-architecture arm64`)',
  },
};

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const napiVersions = pkg.binary?.napi_versions ?? [];
if (napiVersions.length === 0) fail('package.json has no binary.napi_versions');
const napi = Math.max(...napiVersions);
if (!readFileSync(join(root, 'CMakeLists.txt'), 'utf8').includes(`NAPI_VERSION=${napi}`)) {
  fail(`CMakeLists.txt does not define NAPI_VERSION=${napi} (package.json binary.napi_versions)`);
}
if (Number(process.versions.napi) < napi) fail(`this Node has N-API ${process.versions.napi}; the addon needs ${napi}`);

const host = platform.platformKey(platform.hostTarget());
const prebuildOf = (key) => join(root, 'prebuilds', key, `tensorloader.napi${napi}.node`);

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) fail(`${command}: ${r.error.message}`);
  if (r.status !== 0) fail(`${command} ${args.join(' ')} failed`);
}

/** The newest modification time of what the addon is built from. */
function sourcesTime() {
  let newest = 0;
  const visit = (path) => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const path of ['CMakeLists.txt', 'cmake', 'native/core', 'native/binding', 'native/compat']) {
    if (existsSync(join(root, path))) visit(join(root, path));
  }
  return newest;
}

/** Installs @img/sharp-libvips-<key> for another platform into `dir`; returns `dir`. */
function installLibvipsFor(key, dir) {
  const name = platform.libvipsPackage(key);
  const version = pkg.optionalDependencies?.[name];
  if (!version) fail(`package.json lists no ${name}`);
  const target = TARGETS[key];
  mkdirSync(dir, { recursive: true });
  // npm installs a package of another platform only as an optional dependency with --os/--cpu.
  const manifest = { private: true, optionalDependencies: { [name]: version } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const installed = join(dir, 'node_modules', name, 'package.json');
  if (!existsSync(installed) || JSON.parse(readFileSync(installed, 'utf8')).version !== version) {
    console.log(`prebuild: installing ${name}@${version} for ${key} into ${relative(root, dir)}`);
    run(
      'npm',
      ['install', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--os=linux', `--cpu=${target.arch}`, '--libc=glibc'],
      { cwd: dir },
    );
  }
  if (!existsSync(installed)) fail(`npm did not install ${name} into ${dir}`);
  return dir;
}

function build(key) {
  const target = TARGETS[key];
  const cross = key !== host;
  if (cross && host !== 'linux-x64') fail(`${key} is cross-compiled on linux-x64 only; this host is ${host}`);
  if (target.compiler && spawnSync(target.compiler, ['--version']).status !== 0) {
    fail(`${target.compiler} not found: the ${key} prebuild needs Debian's ${target.apt}`);
  }
  const out = `build-prebuild-${key}`;
  const args = ['compile', '--out', out, '--config', 'Release', '--CDTL_SANITIZE=OFF', '--CDTL_CORE_TESTS=OFF', '--log-level', 'warn'];
  if (cross) {
    args.push(`--CDCMAKE_TOOLCHAIN_FILE=${target.toolchain}`, `--CDTL_LIBVIPS_FROM=${installLibvipsFor(key, join(root, out, 'deps'))}`);
  }
  const started = Date.now();
  console.log(`prebuild: building ${key}${cross ? ` (cross-compiled with ${target.compiler})` : ''} in ${out}/`);
  run(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), ...args]);
  const cache = readFileSync(join(root, out, 'CMakeCache.txt'), 'utf8');
  if (!/^CMAKE_BUILD_TYPE:\w+=Release$/m.test(cache)) fail(`${out} is not a Release build`);
  const built = join(root, out, 'Release', 'tensorloader.node');
  if (!existsSync(built)) fail(`${built} was not produced`);

  const dir = dirname(prebuildOf(key));
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.node')) rmSync(join(dir, name));
  const file = prebuildOf(key);
  copyFileSync(built, file);
  // Symbols for linking stay (.dynsym); the static symbol table is not needed to run.
  run(target.strip, ['--strip-unneeded', file]);
  check(key);
  if (!cross) {
    const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
    if (load.status !== 0) fail(`the prebuild does not load:\n${load.stderr}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`prebuild: ${relative(root, file)} (${(statSync(file).size / 1024).toFixed(0)} KiB, N-API ${napi}, Release, ${seconds} s)`);
}

function check(key) {
  const { problems, glibc } = addonProblems(prebuildOf(key), key);
  if (problems.length > 0) fail(`${relative(root, prebuildOf(key))}:\n  ${problems.join('\n  ')}`);
  console.log(`prebuild: ${relative(root, prebuildOf(key))}: ${key} ELF, glibc versions up to ${glibc.at(-1)}, no libstdc++.so`);
}

const argv = process.argv.slice(2);
const ensure = argv.includes('--ensure');
const archArg = argv.includes('--arch') ? argv[argv.indexOf('--arch') + 1] : undefined;
const keys =
  ensure || archArg === 'all'
    ? Object.keys(TARGETS)
    : archArg
      ? [`linux-${archArg}`]
      : [host];
for (const key of keys) if (!TARGETS[key]) fail(`no prebuild target ${key}; targets: ${Object.keys(TARGETS).join(', ')}`);

if (ensure) {
  const sources = sourcesTime();
  for (const key of keys) {
    const file = prebuildOf(key);
    if (existsSync(file) && statSync(file).mtimeMs >= sources) check(key);
    else build(key);
  }
  console.log(`prebuild: the tarball gets ${keys.map((key) => relative(root, prebuildOf(key))).join(' and ')}`);
} else {
  for (const key of keys) build(key);
}

// `npm run prebuild`: builds the addon in release mode in build-prebuild/ (its own cache, so
// flags left in a development build/ cannot leak into what is shipped) and places it at
// prebuilds/<platform>-<arch>/tensorloader.napi<N>.node, N being the N-API version it is
// compiled for (package.json binary.napi_versions; CMakeLists.txt defines NAPI_VERSION to the
// same). src/native.ts and scripts/install.mjs find it by that name. prebuilds/ is not
// committed: CI builds it before `npm pack`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const fail = (message) => {
  console.error(`prebuild: ${message}`);
  process.exit(1);
};

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const napiVersions = pkg.binary?.napi_versions ?? [];
if (napiVersions.length === 0) fail('package.json has no binary.napi_versions');
const napi = Math.max(...napiVersions);
if (!readFileSync(join(root, 'CMakeLists.txt'), 'utf8').includes(`NAPI_VERSION=${napi}`)) {
  fail(`CMakeLists.txt does not define NAPI_VERSION=${napi} (package.json binary.napi_versions)`);
}
if (Number(process.versions.napi) < napi) fail(`this Node has N-API ${process.versions.napi}; the addon needs ${napi}`);

const out = 'build-prebuild';
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(
  process.execPath,
  [cmakeJs, 'compile', '--out', out, '--config', 'Release', '--CDTL_SANITIZE=OFF', '--CDTL_CORE_TESTS=OFF', '--log-level', 'warn'],
  { cwd: root, stdio: 'inherit' },
);
if (r.status !== 0) fail('cmake-js failed');
const cache = readFileSync(join(root, out, 'CMakeCache.txt'), 'utf8');
if (!/^CMAKE_BUILD_TYPE:\w+=Release$/m.test(cache)) fail(`${out} is not a Release build`);
const built = join(root, out, 'Release', 'tensorloader.node');
if (!existsSync(built)) fail(`${built} was not produced`);

const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (name.endsWith('.node')) rmSync(join(dir, name));
const target = join(dir, `tensorloader.napi${napi}.node`);
copyFileSync(built, target);
// Symbols for linking stay (.dynsym); the static symbol table is not needed to run.
const strip = spawnSync('strip', ['--strip-unneeded', target], { stdio: 'inherit' });
if (strip.error) console.log('prebuild: `strip` not found; the prebuild keeps its symbol table');
else if (strip.status !== 0) fail('strip failed');

// libvips-cpp must be found through the RUNPATH wherever npm puts @img/sharp-libvips-*.
if (process.platform === 'linux') {
  const dynamic = spawnSync('readelf', ['-d', target], { encoding: 'utf8' });
  if (dynamic.status === 0) {
    const runpath = /\(RUNPATH\)\s+Library runpath: \[(.*)\]/.exec(dynamic.stdout)?.[1];
    if (!runpath?.split(':').includes('$ORIGIN/../../../@img/sharp-libvips-linux-x64/lib')) {
      fail(`the addon's RUNPATH (${runpath ?? 'none'}) does not reach the installed @img/sharp-libvips-linux-x64`);
    }
  }
}
const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(target)})`], { encoding: 'utf8' });
if (load.status !== 0) fail(`the prebuild does not load:\n${load.stderr}`);

console.log(`prebuild: ${relative(root, target)} (${(statSync(target).size / 1024).toFixed(0)} KiB, N-API ${napi}, Release)`);

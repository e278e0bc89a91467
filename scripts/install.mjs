// npm's install step: use the prebuilt addon for this platform when it loads; otherwise build
// from source with cmake-js (against node-addon-api and the libvips of @img/sharp-libvips-*).
// Set TENSORLOADER_BUILD_FROM_SOURCE=1 to always build.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// prebuilds/<platform>-<arch>/tensorloader.napi<N>.node (scripts/prebuild.mjs): the highest N
// this Node supports, as src/native.ts picks it.
function prebuilds() {
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, version: Number(/^tensorloader\.napi(\d+)\.node$/.exec(name)?.[1] ?? NaN) }))
    .filter((p) => Number.isInteger(p.version) && p.version <= Number(process.versions.napi))
    .sort((a, b) => b.version - a.version)
    .map((p) => join(dir, p.name));
}

function loads(path) {
  // In a child process, so a prebuild that crashes on load cannot take npm down with it.
  const code = `try { require(${JSON.stringify(path)}) } catch (e) { console.error(String(e.message).split('\\n')[0]); process.exit(1) }`;
  const r = spawnSync(process.execPath, ['-e', code], { stdio: 'pipe', encoding: 'utf8' });
  return r.status === 0 ? true : (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n')[0];
}

if (process.env.TENSORLOADER_BUILD_FROM_SOURCE !== '1') {
  for (const prebuild of prebuilds()) {
    const ok = loads(prebuild);
    if (ok === true) {
      console.log(`tensorloader: using the prebuilt addon ${prebuild}`);
      process.exit(0);
    }
    console.log(`tensorloader: the prebuilt addon ${prebuild} does not load here (${ok})`);
  }
}

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
} catch {
  console.error('tensorloader: no usable prebuilt addon for this platform and cmake-js is not installed; cannot build from source');
  process.exit(1);
}
console.log('tensorloader: building the native addon with cmake-js (needs cmake and a C++17 compiler)');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    'tensorloader: building the native addon failed. Install cmake (>= 3.15) and g++ (>= 10), then run `npm rebuild tensorloader`.',
  );
  process.exit(r.status ?? 1);
}

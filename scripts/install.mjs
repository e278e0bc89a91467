// npm's install step: use the prebuilt addon for this platform when it loads; otherwise build
// from source with cmake-js (against node-addon-api and the libvips of the platform's
// @img/sharp-libvips-* package). Set TENSORLOADER_BUILD_FROM_SOURCE=1 to always build. On a
// platform with neither a prebuild nor a libvips package the install succeeds without an addon
// and `import 'tensorloader'` throws an AddonLoadError saying what is supported.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const platform = require('./addon-platform.cjs');

const target = platform.hostTarget();
const key = platform.platformKey(target);

function loads(path) {
  // In a child process, so a prebuild that crashes on load cannot take npm down with it.
  const code = `try { require(${JSON.stringify(path)}) } catch (e) { console.error(String(e.message).split('\\n')[0]); process.exit(1) }`;
  const r = spawnSync(process.execPath, ['-e', code], { stdio: 'pipe', encoding: 'utf8' });
  return r.status === 0 ? true : (r.stderr || `exit ${r.status ?? r.signal}`).trim().split('\n')[0];
}

if (process.env.TENSORLOADER_BUILD_FROM_SOURCE !== '1') {
  for (const prebuild of platform.prebuildsIn(join(root, 'prebuilds', key)).usable) {
    const ok = loads(prebuild);
    if (ok === true) {
      console.log(`tensorloader: using the prebuilt addon ${prebuild}`);
      process.exit(0);
    }
    console.log(`tensorloader: the prebuilt addon ${prebuild} does not load here (${ok})`);
  }
}

if (!platform.libvipsDir(root, key)) {
  // Nothing can be built here: say so, but let the install succeed (the import names the remedy).
  console.log(
    `tensorloader: no usable prebuilt addon for ${key} and ${platform.libvipsPackage(key)} is not installed, ` +
      `so the addon cannot be built here; importing tensorloader will fail. ${platform.supportText(root)}`,
  );
  process.exit(0);
}

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
} catch {
  console.error(`tensorloader: no usable prebuilt addon for ${key} and cmake-js is not installed; cannot build from source`);
  process.exit(1);
}
console.log(`tensorloader: building the native addon with cmake-js (needs ${platform.BUILD_REQUIREMENTS})`);
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(
    `tensorloader: building the native addon failed. Install ${platform.BUILD_REQUIREMENTS}, then run \`${platform.BUILD_COMMAND}\`.`,
  );
  process.exit(r.status ?? 1);
}

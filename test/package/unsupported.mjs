// Run by scripts/package-smoke.sh in a project installed with `--os=darwin --cpu=arm64`, under
// test/package/as-platform.cjs: `import 'tensorloader'` must throw one AddonLoadError that names
// the platform, what the package holds, and how to build from source.
import assert from 'node:assert/strict';

const [key, ...prebuilt] = process.argv.slice(2);
let error;
try {
  await import('tensorloader');
} catch (err) {
  error = err;
}
assert.ok(error, 'importing tensorloader succeeded');
assert.equal(error.name, 'AddonLoadError', String(error?.stack ?? error));
assert.equal(error.code, 'EPLATFORM');
assert.equal(error.platform, key);
assert.deepEqual(error.prebuilt, prebuilt);
assert.match(error.message, new RegExp(`does not support ${key} `));
assert.match(error.message, new RegExp(`prebuilt addons for ${prebuilt.join(', ')} `));
assert.match(error.message, /TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild tensorloader/);
assert.match(error.message, /@img\/sharp-libvips-linux-arm64/);
console.log(`unsupported (${key}): ${error.name} ${error.code}: ${error.message}`);

// Setup file of the LeakSanitizer run (scripts/asan-addon-tests.sh sets TENSORLOADER_LSAN=1,
// vitest.config.ts adds this file). vitest ends each test process with SIGTERM, which skips the
// check LeakSanitizer makes at exit, so the process checks itself once the file's tests are
// done: a leak fails the file, and with it the run.
import { afterAll } from 'vitest';
import { native } from '../../src/index.js';

afterAll(async () => {
  // The file's last objects go first, so what they own is freed, not counted.
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
  }
  if (typeof native.leakCheck !== 'function') {
    throw new Error('TENSORLOADER_LSAN=1 needs the AddressSanitizer build of the addon (TENSORLOADER_ADDON)');
  }
  if (native.leakCheck()) {
    const logs = /log_path=([^:]+)/.exec(process.env.ASAN_OPTIONS ?? '')?.[1];
    throw new Error(`LeakSanitizer found leaks in the process of this test file (pid ${process.pid}); report: ${logs ? `${logs}.${process.pid}` : 'stderr'}`);
  }
});

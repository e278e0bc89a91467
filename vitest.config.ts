import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addons with their own threads are safest in child processes, and the lifetime
    // tests need gc() to prove that finalizers return slots.
    pool: 'forks',
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The LeakSanitizer run (scripts/asan-addon-tests.sh): each test process checks itself for
    // leaks after its file (see the file for why).
    setupFiles: process.env.TENSORLOADER_LSAN === '1' ? ['test/helpers/lsan-setup.ts'] : [],
  },
});

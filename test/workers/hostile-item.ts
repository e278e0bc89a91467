// Reads one hostile item in a fresh process and reports what it cost, for
// test/hostile-memory.test.ts: peak RSS while the item fails (VmHWM, reset just before it),
// RSS after the error + close() + gc, and the time the failing batch took.
// Usage: node --expose-gc --import tsx hostile-item.ts <good image> <hostile image> <threads> [json options]
import { readFileSync, writeFileSync } from 'node:fs';
import { DataLoader, ImageFilesDataset } from '../../src/index.js';

const [good, hostile, threadsArg, optionsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const extra = optionsArg ? JSON.parse(optionsArg) : {};
const kb = (field: string) => Number(/\d+/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(field))!)![0]) * 1024;
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
  }
};

const ds = new ImageFilesDataset([good!, hostile!], { size: 32, dtype: 'uint8', ...extra });
const loader = new DataLoader(ds, { batchSize: 1, threads, onError: 'skip', sampler: [0, 0, 0, 0] });
for await (const b of loader) b.release(); // warm: libvips started, the pool's threads and scratch made
loader.close();
await settle();
const before = kb('VmRSS:');
writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := VmRSS
const t0 = performance.now();
// Both threads get a copy of the hostile item at once when there are two.
const hostileLoader = new DataLoader(ds, { batchSize: threads, threads, onError: 'skip', sampler: Array(threads).fill(1) });
for await (const b of hostileLoader) b.release();
const ms = performance.now() - t0;
const peak = kb('VmHWM:');
const errors = hostileLoader.errors.map((e) => ({ code: e.code, message: e.message }));
hostileLoader.close();
await settle();
const after = kb('VmRSS:');
process.stdout.write(JSON.stringify({ before, peak, after, ms, errors }));

// Loaders in worker threads: results are right, and when a worker ends (closed, abandoned, or
// exited mid-epoch) its threads, slots and arena are freed by the environment teardown.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeCounters, openDescriptorCount } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
beforeAll(() => {
  folder = makeTextFolder(200, 10, 9);
});
afterAll(() => folder.cleanup());

function runWorker(mode: string): Promise<{ rows: number; sum: number; code: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./workers/bootstrap.mjs', import.meta.url), {
      workerData: { dir: folder.dir, mode, script: new URL('./workers/loader-worker.ts', import.meta.url).href },
    });
    let msg: { rows: number; sum: number } | undefined;
    w.on('message', (m) => (msg = m));
    w.on('error', reject);
    w.on('exit', (code) => (msg ? resolve({ ...msg, code }) : reject(new Error(`worker exited ${code} without a result`))));
  });
}

describe('worker threads', () => {
  const expectedSum = () => folder.values.reduce((a, v) => a + v.reduce((x, y) => x + y, 0), 0);

  for (const mode of ['close', 'abandon', 'exit-in-flight']) {
    it(`frees everything when the worker ends (${mode})`, async () => {
      const base = nativeCounters();
      const fds = openDescriptorCount();
      const results = await Promise.all([runWorker(mode), runWorker(mode)]);
      for (const r of results) {
        expect(r.code).toBe(0);
        if (mode !== 'exit-in-flight') {
          expect(r.rows).toBe(200);
          expect(r.sum).toBeCloseTo(expectedSum(), 2);
        }
      }
      const after = nativeCounters();
      expect(after.poolThreads).toBe(base.poolThreads);
      expect(after.ioRings).toBe(base.ioRings);
      expect(after.arenaBytes).toBe(base.arenaBytes);
      expect(after.arenasLive).toBe(base.arenasLive);
      expect(after.slotsLeased).toBe(base.slotsLeased);
      expect(after.openDescriptors).toBe(0);
      expect(openDescriptorCount()).toBe(fds);
    });
  }
});

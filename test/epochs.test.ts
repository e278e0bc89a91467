// The seed's question for Example 1: does memory or the descriptor count grow over epochs?
// 20 epochs over 2,000 files, with gc() between epochs so only retained memory counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, TextTensorDataset, nativeCounters, openDescriptorCount } from '../src/index.js';
import { poolGauges } from './helpers/gauges.js';
import { makeTextFolder, settleFinalizers, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
beforeAll(() => {
  folder = makeTextFolder(2000, 10, 11);
});
afterAll(() => folder.cleanup());

// Bound on RSS growth from the end of epoch 1 (warm-up: code paths compiled, allocator arenas
// of the pool threads created) to the end of epoch 20. Everything the loader holds is fixed
// at construction (arena: 4 slots x 32 x 40 B; one read buffer per pool thread), and 19 x
// 2,000 = 38,000 reads follow, so a leak of even one read buffer per item (>= 256 KiB) or one
// 40-byte item per read (1.5 MB) would exceed it; allocator and JIT noise stays far below.
const RSS_GROWTH_BOUND = 8 * 1024 * 1024;
// Under AddressSanitizer freed memory sits in a quarantine (up to 256 MiB) before reuse, so RSS
// says nothing about leaks there; the descriptor, slot and arena checks still run.
const underSanitizer = process.env.TENSORLOADER_SANITIZER === '1';

describe('20 epochs over 2,000 files', () => {
  it('keeps descriptors, arenas, pool threads and slots constant, and RSS and external memory bounded', async () => {
    expect(typeof globalThis.gc).toBe('function');
    const ds = new TextTensorDataset(folder.dir, { length: 10 });
    const fdsBefore = openDescriptorCount();
    const idle = poolGauges();
    const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 5, threads: 2 });
    let steady: ReturnType<typeof poolGauges> | undefined; // after epoch 1: threads and rings are up
    const rss: number[] = [];
    const external: number[] = [];
    let checksum = 0;
    for (let epoch = 0; epoch < 20; epoch++) {
      let rows = 0;
      for await (const batch of loader) {
        rows += batch.size;
        checksum += batch.data[0]!;
      }
      expect(rows).toBe(2000);
      steady ??= poolGauges();
      expect(poolGauges()).toEqual(steady);
      expect(steady.arenasLive).toBe(idle.arenasLive + 1);
      expect(loader.stats().slotsLeased).toBe(0);
      expect(nativeCounters().openDescriptors).toBe(0);
      expect(nativeCounters().liveMappings).toBe(0);
      expect(openDescriptorCount()).toBe(fdsBefore);
      await settleFinalizers();
      rss.push(process.memoryUsage().rss);
      external.push(process.memoryUsage().external);
    }
    expect(checksum).toBeGreaterThan(0);
    // Handed-out batch buffers are V8 external memory until released or collected.
    expect(external[19]! - external[0]!, `external per epoch: ${external.join(', ')}`).toBeLessThan(1 << 20);
    const growth = rss[19]! - rss[0]!;
    if (!underSanitizer) expect(growth, `RSS per epoch: ${rss.map((r) => (r / 2 ** 20).toFixed(1)).join(', ')} MiB`).toBeLessThan(RSS_GROWTH_BOUND);
    loader.close();
    expect(poolGauges()).toEqual(idle);
    expect(openDescriptorCount()).toBe(fdsBefore);
  });
});

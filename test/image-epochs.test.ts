// 20 epochs over 2,000 images (the seed's Example 2 data, smaller): descriptors, arena and
// slots constant, RSS growth bounded; and seeded augmentation that is deterministic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ImageFilesDataset, nativeCounters, openDescriptorCount } from '../src/index.js';
import { writeImageData } from '../examples/data.js';
import { poolGauges } from './helpers/gauges.js';
import { settleFinalizers } from './helpers/text-files.js';
import { havePhotos, imagePath } from './helpers/images.js';

let dir: string;
let files: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-img-'));
  files = writeImageData(dir, 2000, 48, 1);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Bound on RSS growth from the end of epoch 1 to the end of epoch 20. The arena (6 slots of
// 32 x 3 x 32 x 32 floats = 2.3 MiB) and per-thread scratch are fixed after the first epoch;
// 38,000 decodes follow, so leaking even one decoded 48x48 image per item (6.9 KiB) would add
// 260 MiB, and one libvips object per item several MiB. Allocator noise stays far below.
const RSS_GROWTH_BOUND = 16 * 1024 * 1024;

describe('images over 20 epochs', () => {
  it('keeps descriptors, arenas, pool threads and slots constant, and RSS and external memory bounded', async () => {
    const ds = new ImageFilesDataset(files, { size: [32, 32], randomResizedCrop: true, horizontalFlip: 0.5, seed: 4 });
    const fds = openDescriptorCount();
    const idle = poolGauges();
    const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 2, prefetch: 4, threads: 2 });
    let steady: ReturnType<typeof poolGauges> | undefined; // after epoch 1: threads are up
    const rss: number[] = [];
    const external: number[] = [];
    for (let epoch = 0; epoch < 20; epoch++) {
      let rows = 0;
      for await (const batch of loader) rows += batch.size;
      expect(rows).toBe(2000);
      steady ??= poolGauges();
      expect(poolGauges()).toEqual(steady);
      expect(steady.arenasLive).toBe(idle.arenasLive + 1);
      expect(loader.stats().slotsLeased).toBe(0);
      expect(nativeCounters().openDescriptors).toBe(0);
      expect(openDescriptorCount()).toBe(fds);
      await settleFinalizers();
      rss.push(process.memoryUsage().rss);
      external.push(process.memoryUsage().external);
    }
    // Handed-out batch buffers are V8 external memory until released or collected.
    expect(external[19]! - external[0]!, `external per epoch: ${external.join(', ')}`).toBeLessThan(1 << 20);
    if (process.env.TENSORLOADER_SANITIZER !== '1') {
      expect(rss[19]! - rss[0]!, rss.map((r) => (r / 2 ** 20).toFixed(1)).join(', ')).toBeLessThan(RSS_GROWTH_BOUND);
    }
    loader.close();
    expect(poolGauges()).toEqual(idle);
  });
});

describe('seeded augmentation', () => {
  const src = () => (havePhotos ? [imagePath('chelsea.png'), imagePath('astronaut.png')] : files.slice(0, 2));

  it('is the same for the same (seed, epoch, index) and differs across epochs and seeds', () => {
    const opts = { size: [24, 24] as [number, number], randomResizedCrop: true, horizontalFlip: 0.5 };
    const a = new ImageFilesDataset(src(), { ...opts, seed: 1 });
    const b = new ImageFilesDataset(src(), { ...opts, seed: 1 });
    const c = new ImageFilesDataset(src(), { ...opts, seed: 2 });
    expect(Array.from(a.get(0, 3))).toEqual(Array.from(b.get(0, 3)));
    expect(Array.from(a.get(0, 3))).not.toEqual(Array.from(a.get(0, 4)));
    expect(Array.from(a.get(0, 3))).not.toEqual(Array.from(c.get(0, 3)));
    // Across epochs the crops vary: over 10 epochs, at least 8 distinct results.
    const seen = new Set(Array.from({ length: 10 }, (_, e) => Array.from(a.get(1, e)).join(',')));
    expect(seen.size).toBeGreaterThanOrEqual(8);
  });

  it('a loader produces the same augmented batches as get(i, epoch), whatever the thread count', async () => {
    const ds = new ImageFilesDataset(files.slice(0, 40), { size: [16, 16], randomResizedCrop: { scale: [0.2, 1] }, horizontalFlip: 0.5, seed: 7 });
    for (const threads of [1, 2]) {
      const loader = new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3, epoch: 5, threads });
      for await (const batch of loader) {
        for (let r = 0; r < batch.size; r++) {
          const row = batch.data.subarray(r * 768, (r + 1) * 768);
          expect(Array.from(row)).toEqual(Array.from(ds.get(batch.indices[r]!, 5)));
        }
      }
      loader.close();
    }
  });

  it('horizontalFlip: 1 mirrors every row', () => {
    const path = src()[0]!;
    const plain = new ImageFilesDataset([path], { size: [8, 12], dtype: 'uint8', layout: 'HWC' }).get(0);
    const flipped = new ImageFilesDataset([path], { size: [8, 12], dtype: 'uint8', layout: 'HWC', horizontalFlip: 1 }).get(0);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 12; x++) {
        for (let c = 0; c < 3; c++) expect(flipped[(y * 12 + x) * 3 + c]).toBe(plain[(y * 12 + (11 - x)) * 3 + c]);
      }
    }
  });
});

// The default prefetch depth: chosen from the measured fill time of native batches, within
// slots sized for it, and never past them; a prefetch the user sets is kept as it is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, TextTensorDataset } from '../src/index.js';
import { MeasuredDepth, QUICK_BATCH_US, defaultSlots } from '../src/loader/prefetch-depth.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

describe('MeasuredDepth', () => {
  it('goes deep for quick batches, back to 2 for slow ones, and one outlier does not flip it', () => {
    const d = new MeasuredDepth(8);
    expect(d.value).toBe(2);
    d.observe(QUICK_BATCH_US / 10);
    expect(d.value).toBe(8);
    for (let i = 0; i < 10; i++) d.observe(QUICK_BATCH_US / 10);
    d.observe(QUICK_BATCH_US * 5);
    expect(d.value).toBe(8);
    for (let i = 0; i < 20; i++) d.observe(QUICK_BATCH_US * 5);
    expect(d.value).toBe(2);
    expect(new MeasuredDepth(1).value).toBe(2);
  });

  it('sizes the default slots so the deep queue stays within 16 MiB, and never under 4', () => {
    expect(defaultSlots(1280)).toEqual({ slots: 10, deep: 8 });
    expect(defaultSlots(3 * 1024 * 1024)).toEqual({ slots: 5, deep: 3 });
    expect(defaultSlots(64 * 1024 * 1024)).toEqual({ slots: 4, deep: 2 });
  });
});

describe('DataLoader prefetch', () => {
  let tiny: TextFolder;
  let large: string;
  beforeAll(() => {
    tiny = makeTextFolder(400, 10);
    // 200,000 values a file (about 1.4 MB of text): a batch of 4 takes milliseconds to parse.
    large = mkdtempSync(join(tmpdir(), 'tl-large-text-'));
    const text = Array.from({ length: 200_000 }, (_, k) => ((k % 997) / 997).toFixed(5)).join(' ');
    for (let i = 0; i < 12; i++) writeFileSync(join(large, `data_${i}.txt`), text);
  });
  afterAll(() => {
    tiny?.cleanup();
    if (large) rmSync(large, { recursive: true, force: true });
  });

  async function epochWatchingPending(loader: DataLoader): Promise<number> {
    let most = 0;
    for await (const batch of loader) {
      expect(batch.size).toBeGreaterThan(0);
      most = Math.max(most, loader.stats().pending);
    }
    return most;
  }

  it('tiny items: 8 batches ahead in 10 slots, and never more in flight', async () => {
    const loader = new DataLoader(new TextTensorDataset(tiny.dir, { length: 10 }), { batchSize: 8 });
    try {
      expect(loader.prefetch).toBe(8);
      expect(loader.stats().slots).toBe(10);
      expect(loader.stats().prefetchDepth).toBe(2); // nothing measured yet
      const most = await epochWatchingPending(loader);
      expect(loader.stats().prefetchDepth).toBe(8);
      expect(most).toBeLessThanOrEqual(8);
      expect(most).toBeGreaterThan(2);
    } finally {
      loader.close();
    }
  });

  it('slow batches stay at 2 ahead, in slots that fit the budget', async () => {
    const loader = new DataLoader(new TextTensorDataset(large, { length: 200_000 }), { batchSize: 4, threads: 2 });
    try {
      // 4 x 200,000 float32 = 3.2 MB a slot: 5 slots fit in 16 MiB.
      expect(loader.stats().slots).toBe(5);
      expect(loader.prefetch).toBe(3);
      const most = await epochWatchingPending(loader);
      expect(loader.stats().prefetchDepth).toBe(2);
      expect(most).toBeLessThanOrEqual(3);
    } finally {
      loader.close();
    }
  });

  it('a prefetch or slots the user sets is kept', async () => {
    const fixed = new DataLoader(new TextTensorDataset(tiny.dir, { length: 10 }), { batchSize: 8, prefetch: 3 });
    const slotted = new DataLoader(new TextTensorDataset(tiny.dir, { length: 10 }), { batchSize: 8, slots: 6 });
    try {
      expect(fixed.stats().slots).toBe(5);
      expect(fixed.prefetch).toBe(3);
      expect(await epochWatchingPending(fixed)).toBeLessThanOrEqual(3);
      expect(fixed.stats().prefetchDepth).toBe(3);
      expect(slotted.stats().slots).toBe(6);
      expect(slotted.prefetch).toBe(4);
      expect(await epochWatchingPending(slotted)).toBeLessThanOrEqual(4);
      expect(slotted.stats().prefetchDepth).toBe(4);
    } finally {
      fixed.close();
      slotted.close();
    }
  });
});

// loader.stats(): where the pool's time goes per stage and whether the loop waited for data or
// the pool for the loop, on real files. Comparisons between waits are by orders of magnitude,
// so a loaded machine cannot turn them over.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ImageFilesDataset, PackedDataset, STAGES, TextTensorDataset, WebDataset, boundBy, formatStats, pack, type LoaderStats } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

const png = join(import.meta.dirname, 'fixtures', 'images', 'files', 'chelsea_small.png');
let text: TextFolder;
let tmp: string;

beforeAll(() => {
  text = makeTextFolder(200, 10, 5);
  tmp = mkdtempSync(join(tmpdir(), 'tl-stats-'));
});
afterAll(() => {
  text.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function drain(loader: DataLoader<any>, stepMs = 0): Promise<number> {
  let batches = 0;
  for await (const batch of loader) {
    batches++;
    if (stepMs > 0) await sleep(stepMs);
    void batch;
  }
  return batches;
}

function stageSum(s: LoaderStats): number {
  return STAGES.reduce((t, k) => t + s.stageMs[k], 0);
}

function expectStages(s: LoaderStats, on: string[]): void {
  for (const k of STAGES) {
    if (on.includes(k)) expect(s.stageMs[k], k).toBeGreaterThan(0);
    else expect(s.stageMs[k], k).toBe(0);
  }
}

describe('loader.stats() stage times', () => {
  it('images: read, decode, resample and convert, no copy; the sum fits in threads x wall time', async () => {
    const ds = new ImageFilesDataset(Array(96).fill(png), { size: [32, 32] });
    const loader = new DataLoader(ds, { batchSize: 16, threads: 2 });
    await drain(loader);
    const s = loader.stats();
    expectStages(s, ['read', 'decode', 'resample', 'convert']);
    expect(s.itemsFilled).toBe(96);
    expect(s.batches).toBe(6);
    // Every stage is a part of some thread's time while the loop ran.
    expect(stageSum(s)).toBeLessThanOrEqual(s.threads * s.wallMs);
    // Decoding a 150x100 PNG costs more than converting 32x32 pixels (by far, on any machine).
    expect(s.stageMs.decode).toBeGreaterThan(s.stageMs.convert);
    loader.close();
  });

  it('text files: read and decode only (no resample, convert or copy)', async () => {
    const ds = new TextTensorDataset(text.files, { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 8, threads: 2 });
    for (let e = 0; e < 3; e++) await drain(loader);
    const s = loader.stats();
    expectStages(s, ['read', 'decode']);
    expect(s.itemsFilled).toBe(600);
    expect(stageSum(s)).toBeLessThanOrEqual(s.threads * s.wallMs);
    loader.close();
  });

  it('a packed raw field: copy only (its records are copied straight out of the mapping)', async () => {
    const out = join(tmp, 'text.tlpack');
    await pack(new TextTensorDataset(text.files, { length: 10 }), out);
    const loader = new DataLoader(new PackedDataset(out), { batchSize: 64, threads: 2 });
    for (let e = 0; e < 20; e++) await drain(loader);
    const s = loader.stats();
    expectStages(s, ['copy']);
    expect(s.itemsFilled).toBe(4000);
    loader.close();
  });

  it('stageTimes: false leaves the stages at zero and still counts items and waits', async () => {
    const ds = new ImageFilesDataset(Array(32).fill(png), { size: [16, 16] });
    const loader = new DataLoader(ds, { batchSize: 8, threads: 2, stageTimes: false });
    await drain(loader);
    const s = loader.stats();
    expectStages(s, []);
    expect(s.itemsFilled).toBe(32);
    expect(s.batches).toBe(4);
    expect(s.dataWaitMs).toBeGreaterThan(0);
    loader.close();
    expect(() => new DataLoader(ds, { stageTimes: 'yes' as never })).toThrow(/stageTimes must be true or false/);
  });

  it('a tar shard of PNGs: members paged in from the mapping are its read; decode, resample and convert; no copy', async () => {
    const members = join(tmp, 'members');
    mkdirSync(members, { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < 24; i++) {
      const key = `s${String(i).padStart(3, '0')}`;
      copyFileSync(png, join(members, `${key}.png`));
      writeFileSync(join(members, `${key}.cls`), String(i % 3));
      names.push(`${key}.png`, `${key}.cls`);
    }
    const shard = join(tmp, 'shard.tar');
    execFileSync('tar', ['-cf', shard, '-C', members, ...names]);
    const loader = new DataLoader(new WebDataset(shard, { image: { size: [24, 24] }, fields: { image: 'png', label: 'cls' } }), { batchSize: 8, threads: 2 });
    await drain(loader);
    const s = loader.stats();
    expectStages(s, ['read', 'decode', 'resample', 'convert']);
    expect(s.itemsFilled).toBe(24);
    expect(stageSum(s)).toBeLessThanOrEqual(s.threads * s.wallMs);
    loader.close();
  });

  it('a JS dataset has no pool: stages stay zero, the loop is still timed', async () => {
    const ds = { length: 20, get: (i: number) => new Float32Array([i, i + 1]) };
    const loader = new DataLoader(ds, { batchSize: 5 });
    await drain(loader, 2);
    const s = loader.stats();
    expectStages(s, []);
    expect(s.itemsFilled).toBe(0);
    expect(s.batches).toBe(4);
    expect(s.computeMs).toBeGreaterThan(0);
    expect(s.wallMs).toBeCloseTo(s.dataWaitMs + s.computeMs, 6);
    expect(() => new DataLoader(ds, { stageTimes: false })).toThrow(/stageTimes does not apply/);
  });
});

describe('data wait against slot wait', () => {
  const images = (): ImageFilesDataset => new ImageFilesDataset(Array(160).fill(png), { size: [32, 32] });

  it('a slow consumer keeps the pool waiting for slots far longer than it waits for data', async () => {
    // Batches of 4 cost about a millisecond and a half of CPU; the step takes 100 ms, so even a
    // pool getting a tenth of a core (a load of 20 on two cores) has its batch ready in time.
    const ds = new ImageFilesDataset(Array(48).fill(png), { size: [16, 16] });
    const loader = new DataLoader(ds, { batchSize: 4, threads: 2, prefetch: 2 });
    await drain(loader, 100);
    const s = loader.stats();
    expect(s.slotWaitMs).toBeGreaterThan(10 * s.dataWaitMs);
    expect(s.computeMs).toBeGreaterThan(10 * s.dataWaitMs);
    expect(boundBy(s)).toBe('compute-bound');
    expect(formatStats(s)).toMatch(/^compute-bound: /);
    loader.close();
  });

  it('a consumer that does nothing waits for data far longer than the pool waits for slots', async () => {
    // A deep prefetch keeps the pool busy through the loop's own pauses (a loaded machine
    // descheduling the JS thread for a few milliseconds).
    const loader = new DataLoader(images(), { batchSize: 16, threads: 2, prefetch: 6 });
    for (let e = 0; e < 2; e++) await drain(loader);
    const s = loader.stats();
    expect(s.dataWaitMs).toBeGreaterThan(10 * s.slotWaitMs);
    expect(s.dataWaitMs).toBeGreaterThan(10 * s.computeMs);
    expect(boundBy(s)).toBe('data-bound');
    expect(formatStats(s)).toMatch(/^data-bound: waited .* for data \(\d+%\).*µs per item: read [\d.]+, decode [\d.]+, resample [\d.]+, convert [\d.]+$/);
    loader.close();
  });
});

describe('stats across epochs', () => {
  it('add up over epochs; resetStats() starts them from zero, and the next epoch counts alone', async () => {
    const ds = new TextTensorDataset(text.files, { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 10, threads: 2 });
    await drain(loader);
    const one = loader.stats();
    await drain(loader);
    const two = loader.stats();
    expect(one.itemsFilled).toBe(200);
    expect(two.itemsFilled).toBe(400);
    expect(two.batches).toBe(2 * one.batches);
    for (const k of STAGES) expect(two.stageMs[k]).toBeGreaterThanOrEqual(one.stageMs[k]);
    expect(two.dataWaitMs).toBeGreaterThan(one.dataWaitMs);
    expect(two.wallMs).toBeGreaterThan(one.wallMs);

    loader.resetStats();
    const zero = loader.stats();
    expect(zero.itemsFilled).toBe(0);
    expect(zero.batches).toBe(0);
    expect(zero.slotWaitMs).toBe(0);
    expect(zero.dataWaitMs + zero.computeMs).toBe(0);
    expectStages(zero, []);
    // The arena figures are not times: a reset leaves them alone.
    expect(zero.slots).toBe(two.slots);

    await drain(loader);
    const three = loader.stats();
    expect(three.itemsFilled).toBe(200);
    expect(three.batches).toBe(one.batches);
    expectStages(three, ['read', 'decode']);
    loader.close();
  });

  it('a break mid-epoch counts what the loop did up to it', async () => {
    const ds = new TextTensorDataset(text.files, { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 10, threads: 2, prefetch: 2 });
    let n = 0;
    for await (const batch of loader) {
      void batch;
      if (++n === 3) break;
    }
    const s = loader.stats();
    expect(s.batches).toBe(3);
    // The batches filled ahead are in it too: at most prefetch more than handed out.
    expect(s.itemsFilled).toBeGreaterThanOrEqual(30);
    expect(s.itemsFilled).toBeLessThanOrEqual(50);
    loader.close();
  });
});

// The audit must catch real leaks, name the series that grew, and not cry wolf.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImageData } from '../examples/data.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, DataLoader, fitGrowth, ImageFilesDataset, reportSvg, reportTable, TextTensorDataset, timingSvg } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';
import { checkXml } from './helpers/xml.js';

let folder: TextFolder;
beforeAll(() => {
  folder = makeTextFolder(200, 10, 5);
});
afterAll(() => folder.cleanup());

// Under AddressSanitizer freed memory sits in a quarantine before reuse, so RSS grows whatever
// the code does; the other series still judge.
const sanitizer = process.env.TENSORLOADER_SANITIZER === '1';
const relax = sanitizer ? { thresholds: { rss: Infinity } } : {}; // rss's threshold also sets rssAnon's
const quick = { epochs: 8, warmupEpochs: 2, ...relax };

describe('audit', () => {
  it('fits growth by least squares', () => {
    expect(fitGrowth([[0, 1], [1, 3], [2, 5]])).toEqual({ slope: 2, delta: 4 });
    expect(fitGrowth([[0, 7]])).toEqual({ slope: 0, delta: 0 });
  });

  it('catches a dataset that leaks one descriptor per item', async () => {
    const leaked: number[] = [];
    const ds = {
      length: 10,
      get: (i: number) => {
        leaked.push(openSync(folder.files[i]!, 'r')); // opened, never closed
        return i;
      },
    };
    try {
      const r = await audit(ds, quick);
      expect(r.leaks).toBe(true);
      expect(r.grew).toContain('fds');
      expect(r.series.find((s) => s.name === 'fds')!.slopePerEpoch).toBeCloseTo(10, 0);
    } finally {
      leaked.forEach((fd) => closeSync(fd));
    }
  });

  it('catches 100 KB per item kept in native memory (Buffers in a growing array)', async () => {
    const cache: Buffer[] = [];
    const ds = {
      length: 20,
      get: (i: number) => {
        cache.push(Buffer.alloc(100 * 1024, i));
        return i;
      },
    };
    const r = await audit(ds, quick);
    expect(r.leaks).toBe(true);
    expect(r.grew).toEqual(expect.arrayContaining(['arrayBuffers', 'external']));
    expect(r.grew).not.toContain('fds');
    expect(r.series.find((s) => s.name === 'arrayBuffers')!.slopePerEpoch).toBeGreaterThan(1.9e6);
    cache.length = 0;
  });

  it('catches a leak in the JS heap', async () => {
    const kept: unknown[] = [];
    const r = await audit(
      () => {
        for (let i = 0; i < 200; i++) kept.push({ id: i, values: Array.from({ length: 200 }, (_, k) => k + i * 0.5) });
        return 200;
      },
      quick,
    );
    expect(r.leaks).toBe(true);
    expect(r.grew).toContain('heapUsed');
    expect(r.grew).not.toContain('arrayBuffers');
    kept.length = 0;
  });

  it("does not cry wolf on tensorloader's image dataset over 20 epochs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-audit-img-'));
    try {
      const files = writeImageData(dir, 120, 40, 2);
      const r = await audit(new ImageFilesDataset(files, { size: [24, 24], randomResizedCrop: true }), { epochs: 20, warmupEpochs: 3, ...relax });
      expect(r.leaks, reportTable(r)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not cry wolf on tensorloader's own loader over 20 epochs", async () => {
    const ds = new TextTensorDataset(folder.dir, { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1 });
    const r = await audit(loader, { epochs: 20, warmupEpochs: 3, sampleEvery: 5, ...relax });
    loader.close();
    expect(r.gc).toBe('forced');
    expect(r.leaks, reportTable(r)).toBe(false);
    expect(r.perEpoch.length).toBe(20);
    expect(r.steps.length).toBe(20 * 2); // 13 batches an epoch, sampled at 5 and 10
    expect(r.perEpoch.every((s) => s.itemsPerSec > 0)).toBe(true);
  });

  it("prints where the loader's time went over the measured epochs: stages, data wait and slot wait", async () => {
    const ds = new TextTensorDataset(folder.dir, { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 16, threads: 2 });
    const r = await audit(loader, { epochs: 6, warmupEpochs: 2, ...relax });
    loader.close();
    const t = r.timing!;
    expect(t.itemsFilled).toBe(4 * 200); // the measured epochs only
    expect(t.batches).toBe(4 * 13);
    expect(t.stageMs.read).toBeGreaterThan(0);
    expect(t.stageMs.decode).toBeGreaterThan(0);
    expect(t.stageMs.resample + t.stageMs.convert + t.stageMs.copy).toBe(0);
    const table = reportTable(r);
    expect(table).toMatch(/\ntime: (data-bound|partly data-bound|compute-bound): waited .* for data/);
    expect(table).toMatch(/\nread +[\d.]+ +[\d.]+ +\d+%/);
    expect(table).toMatch(/\ndata wait +[\d.]+ .*\nslot wait +[\d.]+ /);
    const svg = timingSvg(t);
    expect(checkXml(svg)).toBe('svg');
    for (const name of ['read', 'decode', 'data wait']) expect(svg).toContain(`>${name}<`);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(JSON.parse(JSON.stringify(r)).timing.stageMs.decode).toBe(t.stageMs.decode);
  });

  it('reports as a table and as SVG with one panel per series', async () => {
    const r = await audit(() => 1, quick);
    const table = reportTable(r, 'noop');
    expect(table).toMatch(/^noop: no leak found/);
    expect(table.split('\n').length).toBe(2 + r.series.length);
    const svg = reportSvg(r);
    expect(checkXml(svg)).toBe('svg'); // well-formed, one root
    expect(svg.match(/<g class="panel"/g)!.length).toBe(r.series.length);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

// The audit tells pages of a mapped file from a leak: reading ever more of a long-lived mapping
// grows resident file-backed memory (RssFile) and the total RSS, not anonymous memory, and is no
// leak; memory the process keeps is (RssAnon). User series are judged and reported alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, DataLoader, memorySnapshot, NpyDataset, reportSvg, reportTable } from '../src/index.js';
import { writeNpy } from '../examples/npy.js';
import { checkXml } from './helpers/xml.js';

const sanitizer = process.env.TENSORLOADER_SANITIZER === '1';
const ROW = 64 * 1024;
const ROWS = 1024; // a 64 MiB file; batches are 256 KiB
const EPOCHS = 8;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-rss-'));
  const data = new Uint8Array(ROW * ROWS);
  for (let i = 0; i < data.length; i += 4096) data[i] = i / 4096;
  writeNpy(join(dir, 'big.npy'), data, [ROWS, ROW]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Epoch e reads the first (e + 1) / EPOCHS of the file through one long-lived mapping.
const growingReader = (ds: NpyDataset<'uint8'>) =>
  new DataLoader(ds, { batchSize: 4, sampler: (epoch: number) => Array.from({ length: ((epoch + 1) * ROWS) / EPOCHS }, (_, i) => i) });

describe.skipIf(memorySnapshot().rssAnon === undefined)('audit: resident memory split', () => {
  it('a mapped file read further each epoch grows RssFile, not RssAnon, and is no leak', async () => {
    const ds = new NpyDataset(join(dir, 'big.npy'), { dtype: 'uint8' });
    const loader = growingReader(ds);
    const r = await audit(loader, { epochs: EPOCHS, warmupEpochs: 2, thresholds: sanitizer ? { rss: Infinity } : {} });
    const by = (name: string) => r.series.find((s) => s.name === name)!;
    const perEpoch = (ROWS / EPOCHS) * ROW;
    expect(by('rssFile').slopePerEpoch).toBeGreaterThan(perEpoch * 0.8);
    // The total grew past its threshold too: judged on rss, this would have been called a leak.
    // (Under the sanitizer RSS thresholds are off: ASan's quarantine grows RSS by design.)
    if (!sanitizer) expect(by('rss').slopePerEpoch).toBeGreaterThan(by('rss').threshold);
    expect(by('rss').judged).toBe(false);
    expect(by('rssAnon').judged).toBe(true);
    if (!sanitizer) expect(by('rssAnon').slopePerEpoch).toBeLessThan(perEpoch / 8);
    expect(r.leaks, reportTable(r)).toBe(false);
    const table = reportTable(r);
    expect(table).toMatch(/Resident mapped-file pages/);
    expect(table).toMatch(/Resident anonymous memory/);
    loader.close();
  });

  it('anonymous memory the process keeps is a leak, named rssAnon', async () => {
    const kept: Uint8Array[] = [];
    const r = await audit(
      () => {
        const block = new Uint8Array(4 * 2 ** 20);
        block.fill(1); // touched, so resident
        kept.push(block);
        return 1;
      },
      { epochs: 8, warmupEpochs: 2 },
    );
    expect(r.leaks).toBe(true);
    expect(r.grew).toContain('rssAnon');
    expect(r.grew).not.toContain('rss'); // reported beside it, judged through rssAnon
    kept.length = 0;
  });
});

describe('audit: user series', () => {
  it('judges a series of the user own, with its threshold, and shows it in the table and chart', async () => {
    let tensors = 10;
    let steady = 5;
    const r = await audit(
      () => {
        tensors += 3; // a forgotten tensor per step, three steps an epoch
        steady = 5 + (steady % 2); // wobbles, does not grow
        return 1;
      },
      { epochs: 6, warmupEpochs: 1, series: { tfTensors: () => tensors, steady: () => steady }, thresholds: { steady: 0.5, ...(sanitizer ? { rss: Infinity } : {}) } },
    );
    expect(r.grew).toContain('tfTensors');
    expect(r.grew).not.toContain('steady');
    expect(r.series.find((s) => s.name === 'tfTensors')!.slopePerEpoch).toBeCloseTo(3, 5);
    expect(r.perEpoch.map((s) => s.tfTensors)).toEqual([13, 16, 19, 22, 25, 28]);
    expect(reportTable(r)).toMatch(/tfTensors .* GROWS/);
    const svg = reportSvg(r);
    checkXml(svg);
    expect(svg).toContain('tfTensors');
    const loose = await audit(() => void (tensors += 3), { epochs: 4, warmupEpochs: 0, series: { tfTensors: () => tensors }, thresholds: { tfTensors: 5 } });
    expect(loose.grew).not.toContain('tfTensors');
  });

  it('refuses series with built-in names, non-functions, and thresholds for series that do not exist or are not judged', async () => {
    await expect(audit(() => 1, { epochs: 2, warmupEpochs: 0, series: { rss: () => 1 } })).rejects.toThrow(/built-in/);
    await expect(audit(() => 1, { epochs: 2, warmupEpochs: 0, series: { x: 3 as any } })).rejects.toThrow(/must be a function/);
    await expect(audit(() => 1, { epochs: 2, warmupEpochs: 0, thresholds: { nope: 1 } })).rejects.toThrow(/no series named 'nope'/);
    await expect(audit(() => 1, { epochs: 2, warmupEpochs: 0, thresholds: { rssFile: 1 } })).rejects.toThrow(/never judged/);
  });
});

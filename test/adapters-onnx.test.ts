// onnxruntime-node hand-off with a real model exported by Debian's torch: feeds over the slot
// (no copy) give torch's own outputs, batch.releaseAfter(session.run(...)) keeps the slot until
// onnxruntime has read it (run reads the inputs after it returns its promise), pipelined runs
// stay exact, and a released batch is refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, NpyDataset, toOrtFeeds, type Batch } from '../src/index.js';
import { writeNpy } from '../examples/npy.js';

const N = 24;
const ITEM = 3 * 8 * 8;
let dir: string;
let session: ort.InferenceSession;
let reference: Float32Array; // torch's output for every item, [N, 5]

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-ort-'));
  const x = Float32Array.from({ length: N * ITEM }, (_, i) => Math.sin(i * 0.37));
  writeNpy(join(dir, 'x.npy'), x, [N, 3, 8, 8]);
  const script = join(import.meta.dirname, '..', 'scripts', 'export-onnx.py');
  execFileSync('/usr/bin/python3', [script, '--model', 'tiny', '--size', '8', '--out', join(dir, 'tiny.onnx'), '--input', join(dir, 'x.npy'), '--output', join(dir, 'torch.npy')]);
  const raw = readFileSync(join(dir, 'torch.npy'));
  const headerEnd = 10 + raw.readUInt16LE(8);
  reference = new Float32Array(raw.buffer.slice(raw.byteOffset + headerEnd, raw.byteOffset + raw.length));
  session = await ort.InferenceSession.create(join(dir, 'tiny.onnx'));
}, 120_000);
afterAll(async () => {
  await session?.release();
  rmSync(dir, { recursive: true, force: true });
});

function expectTorch(batch: Batch<any>, output: ort.Tensor): void {
  const out = output.data as Float32Array;
  expect(output.dims).toEqual([batch.indices.length, 5]);
  batch.indices.forEach((item, r) => {
    for (let k = 0; k < 5; k++) expect(Math.abs(out[r * 5 + k]! - reference[item * 5 + k]!)).toBeLessThan(1e-4);
  });
}

const dataset = () => new NpyDataset(join(dir, 'x.npy'));

describe('onnxruntime-node feeds', () => {
  it('releaseAfter(session.run(feeds)) gives torch outputs and holds the slot until run settles', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 8, shuffle: true, seed: 2 });
    for await (const batch of loader) {
      const pending = batch.releaseAfter(session.run(toOrtFeeds(ort, batch, { input: 'data' })));
      expect(batch.released).toBe(false);
      batch.release(); // deferred: the run still reads the slot
      expect(batch.released).toBe(false);
      const result = await pending;
      expect(batch.released).toBe(true);
      expectTorch(batch, result.output!);
    }
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('pipelined runs (three in flight, the loop moving on) stay exact', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 4, prefetch: 2, slots: 6 });
    const inflight: Array<Promise<void>> = [];
    let checked = 0;
    for await (const batch of loader) {
      inflight.push(
        batch.releaseAfter(session.run(toOrtFeeds(ort, batch, { input: { dims: [batch.size, 3, 8, 8] } }))).then((r) => {
          expectTorch(batch, r.output!);
          checked += batch.size;
        }),
      );
      if (inflight.length >= 3) await inflight.shift();
    }
    await Promise.all(inflight);
    expect(checked).toBe(N);
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('a released batch is refused by toOrtFeeds and by releaseAfter, never run as empty or stale data', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 8 });
    let batch: Batch<any> | undefined;
    for await (const b of loader) {
      batch = b.retain();
      break;
    }
    batch!.release();
    expect(() => toOrtFeeds(ort, batch!, { input: 'data' })).toThrow(expect.objectContaining({ code: 'ERELEASED' }));
    expect(() => batch!.releaseAfter(Promise.resolve())).toThrow(expect.objectContaining({ code: 'ERELEASED' }));
    expect(() => toOrtFeeds(ort, batch!, {})).toThrow(/no inputs/);
    loader.close();
  });

  it('dims that do not hold the batch are refused', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 8 });
    for await (const b of loader) {
      expect(() => toOrtFeeds(ort, b, { input: { dims: [8, 3, 8, 7] } })).toThrow(/do not hold/);
      break;
    }
    loader.close();
  });
});

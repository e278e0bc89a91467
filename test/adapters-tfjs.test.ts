// tfjs hand-off on the CPU and wasm backends: a tensor made by the adapter keeps its values
// after the batch is released (the CPU backend keeps the array it is given, so a bare
// tf.tensor(batch.data) does not), a released batch is refused, and a tf.data dataset over a
// loader feeds prefetch + fitDataset with exact values, finite loss and no leaked tensors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, NpyDataset, toTensor, toTfDataset, type Batch } from '../src/index.js';
import { writeNpy } from '../examples/npy.js';

const N = 64;
const D = 6;
let dir: string;
let x: Float32Array;
let y: Int32Array;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-tfjs-'));
  x = Float32Array.from({ length: N * D }, (_, i) => ((i * 37) % 101) / 101 - 0.5);
  // A learnable rule: the class is whether the first feature is positive.
  y = Int32Array.from({ length: N }, (_, r) => (x[r * D]! > 0 ? 1 : 0));
  writeNpy(join(dir, 'x.npy'), x, [N, D]);
  writeNpy(join(dir, 'label.npy'), y, [N]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dataset = () => NpyDataset.fields({ x: join(dir, 'x.npy'), label: join(dir, 'label.npy') });
const rowsOf = (batch: Batch<any>) => Array.from(batch.indices, (i) => Array.from(x.subarray(i * D, (i + 1) * D))).flat();

async function firstBatch(loader: DataLoader<any>): Promise<Batch<any>> {
  for await (const b of loader) return b.retain();
  throw new Error('empty');
}

describe.each(['cpu', 'wasm'])('tfjs %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
  });

  it('a tensor made before release() keeps its values after it; one asked for after release() is refused', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 16, shuffle: true, seed: 3 });
    const batch = await firstBatch(loader);
    const expected = rowsOf(batch);
    const t = toTensor(tf, batch, { field: 'x' });
    const labels = toTensor(tf, batch, { field: 'labels' });
    batch.release();
    expect(Array.from(t.dataSync())).toEqual(expected);
    expect(t.shape).toEqual([16, D]);
    expect(Array.from(labels.dataSync())).toEqual(Array.from(batch.indices, (i) => y[i]!));
    expect(() => toTensor(tf, batch, { field: 'x' })).toThrow(expect.objectContaining({ code: 'ERELEASED' }));
    tf.dispose([t, labels]);
    loader.close();
  });

  it('shows why: a bare tf.tensor(batch view) reads as empty after release() on the CPU backend only', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 16 });
    const batch = await firstBatch(loader);
    const bare = tf.tensor(batch.fields.x!.data as Float32Array, [16, D]);
    batch.release();
    if (backend === 'cpu') expect(bare.dataSync().length).toBe(0);
    else expect(Array.from(bare.dataSync())).toEqual(rowsOf(batch));
    bare.dispose();
    loader.close();
  });

  it('a batch that owns its memory (copy: true) is handed over without a copy where the backend keeps it', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 16, copy: true });
    const batch = await firstBatch(loader);
    const t = toTensor(tf, batch, { field: 'x' });
    if (backend === 'cpu') expect(t.dataSync()).toBe(batch.fields.x!.data);
    expect(Array.from(t.dataSync())).toEqual(rowsOf(batch));
    t.dispose();
    loader.close();
  });

  it('tf.data over a loader: prefetch(4) yields exact values epoch after epoch, and the loader holds no slot after', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 8, shuffle: true, seed: 9 });
    const ds = toTfDataset(tf, loader, { xs: 'x', ys: 'labels' }).prefetch(4);
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen: number[] = [];
      await ds.forEachAsync((e: { xs: tf.Tensor; ys: tf.Tensor }) => {
        const xs = Array.from(e.xs.dataSync());
        const ys = Array.from(e.ys.dataSync());
        for (let r = 0; r < ys.length; r++) {
          const row = xs.slice(r * D, (r + 1) * D);
          const i = x.findIndex((_, k) => k % D === 0 && row.every((v, j) => x[k + j] === v)) / D;
          expect(i).toBeGreaterThanOrEqual(0);
          expect(ys[r]).toBe(y[i]);
          seen.push(i);
        }
        tf.dispose([e.xs, e.ys]);
      });
      expect(loader.stats().slotsLeased).toBe(0);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    }
    loader.close();
  });

  it('fitDataset with prefetch trains with finite, falling loss and leaks no tensor across epochs', async () => {
    const loader = new DataLoader(dataset(), { batchSize: 16, shuffle: true, seed: 1 });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [D], units: 8, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const ds = toTfDataset(tf, loader, { xs: 'x', ys: 'labels', oneHot: 2 }).prefetch(4);
    await model.fitDataset(ds, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await model.fitDataset(ds, { epochs: 15, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]!);
    expect(tf.memory().numTensors).toBe(before);
    expect(loader.stats().slotsLeased).toBe(0);
    model.dispose();
    loader.close();
  });
});

describe('tfjs adapter options', () => {
  it('refuses what tfjs cannot hold and parts the batch lacks', async () => {
    await tf.setBackend('cpu');
    const u16 = join(dir, 'u16.npy');
    writeNpy(u16, Uint16Array.from([1, 2, 3, 4]), [4]);
    const ds = new NpyDataset(join(dir, 'x.npy'));
    const loader = new DataLoader(ds, { batchSize: 4 });
    const batch = await firstBatch(loader);
    expect(() => toTensor(tf, batch, { field: 'nope' })).toThrow(/no typed array 'nope'/);
    expect(() => toTensor(tf, batch, { field: 'labels' })).toThrow(/no typed array 'labels'/);
    expect(() => toTensor(tf, batch, { dtype: 'bool' as any })).toThrow(/dtype must be/);
    expect(() => toTfDataset(tf, loader, { oneHot: 3 })).toThrow(/oneHot applies to ys/);
    batch.release();
    loader.close();
  });
});

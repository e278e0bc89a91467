// Batching, ordering and shuffling as PyTorch users expect them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, RandomSampler, TextTensorDataset, type Batch } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
let ds: TextTensorDataset;
beforeAll(() => {
  folder = makeTextFolder(103, 6, 21);
  ds = new TextTensorDataset(folder.dir, { length: 6 });
});
afterAll(() => folder.cleanup());

async function epoch(loader: DataLoader): Promise<{ shapes: number[][]; order: number[]; rows: Float32Array[] }> {
  const shapes: number[][] = [];
  const order: number[] = [];
  const rows: Float32Array[] = [];
  for await (const batch of loader) {
    shapes.push([...batch.shape]);
    for (let r = 0; r < batch.size; r++) {
      order.push(batch.indices[r]!);
      rows.push(batch.data.slice(r * 6, (r + 1) * 6));
    }
  }
  return { shapes, order, rows };
}

describe('DataLoader', () => {
  it('batches in order with a right-sized last batch', async () => {
    const loader = new DataLoader(ds, { batchSize: 10 });
    expect(loader.length).toBe(11);
    const { shapes, order, rows } = await epoch(loader);
    expect(shapes.length).toBe(11);
    expect(shapes.slice(0, 10).every((s) => s[0] === 10 && s[1] === 6)).toBe(true);
    expect(shapes[10]).toEqual([3, 6]);
    expect(order).toEqual([...Array(103).keys()]);
    rows.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(folder.values[i]!)));
    loader.close();
  });

  it('dropLast drops the short batch', async () => {
    const loader = new DataLoader(ds, { batchSize: 10, dropLast: true });
    expect(loader.length).toBe(10);
    const { shapes, order } = await epoch(loader);
    expect(shapes.length).toBe(10);
    expect(order.length).toBe(100);
    loader.close();
  });

  it('shuffle: every index once per epoch, the same order for the same seed, new order each epoch', async () => {
    const a = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 42 });
    const c = new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 43 });
    const a0 = (await epoch(a)).order;
    const a1 = (await epoch(a)).order;
    const b0 = (await epoch(b)).order;
    const c0 = (await epoch(c)).order;
    expect([...a0].sort((x, y) => x - y)).toEqual([...Array(103).keys()]);
    expect([...a1].sort((x, y) => x - y)).toEqual([...Array(103).keys()]);
    expect(a0).toEqual(b0);
    expect(a0).not.toEqual(a1);
    expect(a0).not.toEqual(c0);
    expect(a0).toEqual(Array.from(new RandomSampler(103, { seed: 42 }).indices(0)));
    // setEpoch replays an epoch exactly.
    a.setEpoch(1);
    expect(a.epoch).toBe(1);
    expect((await epoch(a)).order).toEqual(a1);
    // Rows follow their indices.
    const { order, rows } = await epoch(c);
    rows.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(folder.values[order[i]!]!)));
    [a, b, c].forEach((l) => l.close());
  });

  it('one loop at a time per loader; many loaders at once over one dataset', async () => {
    const loader = new DataLoader(ds, { batchSize: 8 });
    const it1 = loader[Symbol.asyncIterator]();
    await it1.next();
    const it2 = loader[Symbol.asyncIterator]();
    await expect(it2.next()).rejects.toMatchObject({ code: 'EBUSY' });
    await it1.return?.(undefined);
    const others = Array.from({ length: 4 }, (_, i) => new DataLoader(ds, { batchSize: 5 + i, threads: 1, shuffle: i % 2 === 1, seed: i }));
    const results = await Promise.all(others.map((l) => epoch(l)));
    for (const r of results) expect([...r.order].sort((x, y) => x - y)).toEqual([...Array(103).keys()]);
    others[0]!.close();
    expect((await epoch(others[1]!)).order.length).toBe(103);
    others.forEach((l) => l.close());
    loader.close();
  });

  it('keeps batch metadata: epoch and number', async () => {
    const loader = new DataLoader(ds, { batchSize: 50, epoch: 3 });
    const seen: Array<Pick<Batch, 'epoch' | 'number'>> = [];
    for await (const b of loader) seen.push({ epoch: b.epoch, number: b.number });
    expect(seen).toEqual([
      { epoch: 3, number: 0 },
      { epoch: 3, number: 1 },
      { epoch: 3, number: 2 },
    ]);
    expect(loader.epoch).toBe(4);
    loader.close();
  });
});

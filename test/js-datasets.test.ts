// The user's own datasets: sync and async get(i), default and custom collate of nested
// structures, errors from get and collate, skip, prefetch overlap, IterableDataset.
import { describe, expect, it } from 'vitest';
import { DataLoader, defaultCollate, IterableDataset, ItemError, TensorLoaderError, type Tensor } from '../src/index.js';

const items = (n: number) => ({
  length: n,
  get(i: number) {
    return { x: Float32Array.of(i, i + 0.5), y: i % 3, meta: { name: `item${i}`, flag: i % 2 === 0 } };
  },
});

async function all<T>(loader: DataLoader<T>): Promise<Array<{ data: T; indices: number[] }>> {
  const out: Array<{ data: T; indices: number[] }> = [];
  for await (const b of loader) out.push({ data: b.data, indices: Array.from(b.indices) });
  return out;
}

describe('defaultCollate', () => {
  it('stacks numbers, typed arrays, tensors; recurses into arrays and objects; keeps strings', () => {
    const c = defaultCollate([
      { a: 1, v: Uint8Array.of(1, 2), t: { data: Int32Array.of(1, 2, 3, 4), shape: [2, 2] }, s: 'p', pair: [1, true] },
      { a: 2, v: Uint8Array.of(3, 4), t: { data: Int32Array.of(5, 6, 7, 8), shape: [2, 2] }, s: 'q', pair: [2, false] },
    ]) as Record<string, unknown>;
    expect(c.a).toEqual({ data: Float64Array.of(1, 2), shape: [2] });
    expect(c.v).toEqual({ data: Uint8Array.of(1, 2, 3, 4), shape: [2, 2] });
    expect(c.t).toEqual({ data: Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8), shape: [2, 2, 2] });
    expect(c.s).toEqual(['p', 'q']);
    expect(c.pair).toEqual([{ data: Float64Array.of(1, 2), shape: [2] }, { data: Uint8Array.of(1, 0), shape: [2] }]);
  });

  it('refuses what it cannot stack, naming where', () => {
    expect(() => defaultCollate([{ v: Uint8Array.of(1) }, { v: Uint8Array.of(1, 2) }])).toThrow(/batch\.v mixes Uint8Array\(1\) with Uint8Array\(2\)/);
    expect(() => defaultCollate([1, 'a'])).toThrow(/batch\[1\] is not a number/);
    expect(() => defaultCollate([null])).toThrow(/cannot collate null/);
  });
});

describe('map datasets', () => {
  it('sync get: batches in order with nested collation', async () => {
    const loader = new DataLoader<Record<string, any>>(items(7), { batchSize: 3 });
    expect(loader.length).toBe(3);
    const got = await all(loader);
    expect(got.map((b) => b.indices)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(got[0]!.data.x).toEqual({ data: Float32Array.of(0, 0.5, 1, 1.5, 2, 2.5), shape: [3, 2] });
    expect(got[0]!.data.meta.name).toEqual(['item0', 'item1', 'item2']);
    expect(got[2]!.data.y).toEqual({ data: Float64Array.of(0), shape: [1] });
  });

  it('async get overlaps up to prefetch batches, and order is kept', async () => {
    let inFlight = 0;
    let peak = 0;
    const ds = {
      length: 24,
      async get(i: number) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        inFlight--;
        return i;
      },
    };
    const loader = new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 4, prefetch: 3, shuffle: true, seed: 2 });
    const got = await all(loader);
    expect(got.flatMap((b) => Array.from(b.data.data))).toEqual(got.flatMap((b) => b.indices));
    expect(got.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual([...Array(24).keys()]);
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(12);
  });

  it('a custom collate', async () => {
    const loader = new DataLoader<number>(items(5), { batchSize: 2, collate: (xs) => xs.reduce((s, it) => s + it.y, 0) });
    expect((await all(loader)).map((b) => b.data)).toEqual([1, 2, 1]);
  });

  it('a throwing get(i) gives an ItemError naming the index, with the cause; skip replaces it', async () => {
    const ds = {
      length: 10,
      get(i: number) {
        if (i === 4) throw new Error('disk on fire');
        return i;
      },
    };
    const strict = new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 3 });
    const err = await all(strict).catch((e) => e);
    expect(err).toBeInstanceOf(ItemError);
    expect(err.index).toBe(4);
    expect(err.code).toBe('EGET');
    expect(err.cause.message).toBe('disk on fire');
    expect(err.message).toMatch(/item 4: get\(4\) failed: disk on fire/);

    const lenient = new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 3, onError: 'skip' });
    const got = await all(lenient);
    expect(got.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(got.map((b) => b.indices.length)).toEqual([3, 3, 3]);
    expect(lenient.errors.map((e) => e.index)).toEqual([4]);
  });

  it('a throwing collate gives ECOLLATE with the cause', async () => {
    const loader = new DataLoader(items(4), {
      batchSize: 2,
      collate: () => {
        throw new Error('bad shapes');
      },
    });
    const err = await all(loader).catch((e) => e);
    expect(err).toBeInstanceOf(TensorLoaderError);
    expect(err.code).toBe('ECOLLATE');
    expect(err.message).toMatch(/collate failed for batch 0 of epoch 0: bad shapes/);
  });

  it('resumes and aborts like native loaders', async () => {
    const opts = { batchSize: 2, shuffle: true, seed: 4 };
    const uncut = (await all(new DataLoader(items(9), opts))).map((b) => b.indices);
    const a = new DataLoader(items(9), opts);
    const first: number[][] = [];
    for await (const b of a) {
      first.push(Array.from(b.indices));
      if (first.length === 2) break;
    }
    const rest = (await all(new DataLoader(items(9), { ...opts, resume: a.state() }))).map((b) => b.indices);
    expect([...first, ...rest]).toEqual(uncut);

    const controller = new AbortController();
    const slow = { length: 100, get: (i: number) => new Promise<number>((r) => setTimeout(() => r(i), 5)) };
    const aborting = new DataLoader(slow, { batchSize: 4, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 30);
    await expect(all(aborting)).rejects.toThrow('enough');
  });
});

describe('IterableDataset', () => {
  it('batches a stream; shuffles through a seeded buffer; every item once', async () => {
    const ds = new IterableDataset(async function* () {
      for (let i = 0; i < 23; i++) yield i;
    });
    const plain = await all(new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 5 }));
    expect(plain.map((b) => Array.from(b.data.data))).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19], [20, 21, 22]]);
    const shuffled = new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 5, shuffle: true, shuffleBuffer: 8, seed: 3 });
    const e0 = (await all(shuffled)).flatMap((b) => Array.from(b.data.data));
    const e1 = (await all(shuffled)).flatMap((b) => Array.from(b.data.data));
    expect([...e0].sort((a, b) => a - b)).toEqual([...Array(23).keys()]);
    expect(e0).not.toEqual(e1);
    const again = new DataLoader<Tensor<Float64Array>>(ds, { batchSize: 5, shuffle: true, shuffleBuffer: 8, seed: 3 });
    expect((await all(again)).flatMap((b) => Array.from(b.data.data))).toEqual(e0);
    expect(() => new DataLoader(ds, { batchSize: 2 }).length).toThrow(/no length/);
    expect(() => new DataLoader(ds, { sampler: [1] })).toThrow(/no indices/);
  });
});

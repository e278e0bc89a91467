// Resumption (a run cut anywhere and resumed equals the uncut run), abort, and user samplers
// driving the native loader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSampler, DataLoader, DistributedSampler, TextTensorDataset, WeightedRandomSampler, type LoaderState } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
let ds: TextTensorDataset;
beforeAll(() => {
  folder = makeTextFolder(37, 4, 8);
  ds = new TextTensorDataset(folder.dir, { length: 4 });
});
afterAll(() => folder.cleanup());

async function take(loader: DataLoader, epochs: number, stopAfter = Infinity): Promise<number[][]> {
  const out: number[][] = [];
  for (let e = 0; e < epochs; e++) {
    for await (const batch of loader) {
      out.push(Array.from(batch.indices));
      if (out.length === stopAfter) return out;
    }
  }
  return out;
}

describe('resumption', () => {
  it('cut at every batch of two epochs and resumed: the same batches as the uncut run', async () => {
    const options = { batchSize: 5, shuffle: true, seed: 77 };
    const full = new DataLoader(ds, options);
    const uncut = await take(full, 2);
    full.close();
    expect(uncut.length).toBe(16);
    for (let cut = 1; cut < uncut.length; cut++) {
      const a = new DataLoader(ds, options);
      const first = await take(a, 2, cut);
      const state: LoaderState = JSON.parse(JSON.stringify(a.state()));
      a.close();
      const b = new DataLoader(ds, { ...options, resume: state });
      const epochsLeft = state.epoch === 0 ? 2 : 1;
      const rest = await take(b, epochsLeft);
      b.close();
      expect([...first, ...rest], `cut after ${cut}`).toEqual(uncut);
    }
  });

  it('state is JSON-able, names the seed, and refuses a different seed', async () => {
    const a = new DataLoader(ds, { batchSize: 10, shuffle: true, seed: 1 });
    expect(a.state()).toEqual({ epoch: 0, batches: 0, seed: 1 });
    await take(a, 1);
    expect(a.state()).toEqual({ epoch: 1, batches: 0, seed: 1 });
    expect(() => new DataLoader(ds, { batchSize: 10, seed: 2, resume: a.state() })).toThrow(/seed 1/);
    a.close();
  });
});

describe('abort', () => {
  it('an AbortSignal stops the epoch with its reason and frees every slot', async () => {
    const controller = new AbortController();
    const loader = new DataLoader(ds, { batchSize: 2, prefetch: 4, signal: controller.signal });
    let seen = 0;
    const err = await (async () => {
      try {
        for await (const _ of loader) {
          if (++seen === 3) controller.abort(new Error('stop now'));
        }
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toBe('stop now');
    expect(seen).toBe(3);
    expect(loader.stats().slotsLeased).toBe(0);
    expect(loader.stats().pending).toBe(0);
    // An aborted signal refuses new epochs at once.
    await expect(take(loader, 1)).rejects.toThrow('stop now');
    loader.close();
  });

  it('a long-lived signal does not collect listeners across epochs', async () => {
    const controller = new AbortController();
    const loader = new DataLoader(ds, { batchSize: 8, signal: controller.signal });
    let added = 0;
    let removed = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    controller.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    await take(loader, 5);
    expect(added).toBe(5);
    expect(removed).toBe(5);
    loader.close();
  });
});

describe('samplers drive the native loader', () => {
  it('a user iterable, a weighted sampler, a batch sampler and a distributed share', async () => {
    const user = new DataLoader(ds, { batchSize: 3, sampler: [36, 0, 5, 5, 1] });
    expect(await take(user, 1)).toEqual([[36, 0, 5], [5, 1]]);
    user.close();

    const weighted = new DataLoader(ds, { batchSize: 16, sampler: new WeightedRandomSampler(Array.from({ length: 37 }, (_, i) => (i === 4 ? 1 : 0)), 32) });
    expect((await take(weighted, 1)).flat()).toEqual(new Array(32).fill(4));
    weighted.close();

    const batches = new DataLoader(ds, { batchSampler: new BatchSampler([9, 8, 7, 6, 5], 2, true) });
    expect(await take(batches, 1)).toEqual([[9, 8], [7, 6]]);
    batches.close();

    const shares = await Promise.all(
      [0, 1, 2].map(async (rank) => {
        const l = new DataLoader(ds, { batchSize: 4, sampler: new DistributedSampler(37, { rank, worldSize: 3, seed: 5 }) });
        const got = (await take(l, 1)).flat();
        l.close();
        return got;
      }),
    );
    expect(shares.every((s) => s.length === 13)).toBe(true);
    expect(new Set(shares.flat())).toEqual(new Set([...Array(37).keys()]));

    expect(() => new DataLoader(ds, { batchSampler: new BatchSampler([1], 1), batchSize: 4 })).toThrow(/exclusive/);
    expect(() => new DataLoader(ds, { sampler: [1], shuffle: true })).toThrow(/exclusive/);
  });
});

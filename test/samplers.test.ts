// Samplers: determinism per (seed, epoch), coverage, distributed shares, weighted draws.
import { describe, expect, it } from 'vitest';
import {
  BatchSampler,
  DistributedSampler,
  IterableSampler,
  RandomSampler,
  SequentialSampler,
  SubsetRandomSampler,
  SubsetSampler,
  WeightedRandomSampler,
} from '../src/index.js';

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
const range = (n: number) => [...Array(n).keys()];

describe('samplers', () => {
  it('RandomSampler: a permutation per epoch, same for the same seed, new per epoch', () => {
    const s = new RandomSampler(50, { seed: 3 });
    expect(sorted(s.indices(0))).toEqual(range(50));
    expect(Array.from(s.indices(0))).toEqual(Array.from(new RandomSampler(50, { seed: 3 }).indices(0)));
    expect(Array.from(s.indices(0))).not.toEqual(Array.from(s.indices(1)));
    expect(Array.from(s.indices(0))).not.toEqual(Array.from(new RandomSampler(50, { seed: 4 }).indices(0)));
  });

  it('RandomSampler with replacement and numSamples', () => {
    const s = new RandomSampler(5, { seed: 1, replacement: true, numSamples: 1000 });
    const idx = s.indices(2);
    expect(idx.length).toBe(1000);
    expect(new Set(idx).size).toBe(5);
    expect(() => new RandomSampler(5, { numSamples: 6 })).toThrow(/without replacement/);
    expect(new RandomSampler(10, { seed: 1, numSamples: 4 }).indices(0).length).toBe(4);
  });

  it('Subset samplers keep to their indices', () => {
    expect(Array.from(new SubsetSampler([7, 3, 9]).indices())).toEqual([7, 3, 9]);
    const r = new SubsetRandomSampler([7, 3, 9, 11], { seed: 2 });
    expect(sorted(r.indices(0))).toEqual([3, 7, 9, 11]);
    expect(Array.from(r.indices(0))).toEqual(Array.from(new SubsetRandomSampler([7, 3, 9, 11], { seed: 2 }).indices(0)));
  });

  it('WeightedRandomSampler draws in proportion to the weights', () => {
    const s = new WeightedRandomSampler([1, 0, 3, 6], 20_000, { seed: 5 });
    const counts = [0, 0, 0, 0];
    for (const i of s.indices(0)) counts[i]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[0]! / 20_000 - 0.1)).toBeLessThan(0.015);
    expect(Math.abs(counts[2]! / 20_000 - 0.3)).toBeLessThan(0.015);
    expect(Math.abs(counts[3]! / 20_000 - 0.6)).toBeLessThan(0.015);
    const noRep = new WeightedRandomSampler([1, 0, 3, 6], 3, { replacement: false, seed: 5 });
    expect(sorted(noRep.indices(1))).toEqual([0, 2, 3]);
    expect(() => new WeightedRandomSampler([1, 0], 2, { replacement: false })).toThrow(/positive weight/);
    expect(() => new WeightedRandomSampler([1, -1], 2)).toThrow(/non-negative/);
  });

  it('DistributedSampler: equal shares, no overlap, union is the dataset plus declared padding', () => {
    for (const [n, world] of [[10, 3], [12, 4], [7, 8], [100, 2]] as const) {
      for (const dropLast of [false, true]) {
        const shares = range(world).map((rank) => new DistributedSampler(n, { rank, worldSize: world, seed: 9, dropLast }).indices(4));
        const per = dropLast ? Math.floor(n / world) : Math.ceil(n / world);
        expect(shares.every((s) => s.length === per)).toBe(true);
        const all = shares.flatMap((s) => Array.from(s));
        // The epoch's permutation (one rank holds it whole); padding repeats its first items,
        // dropLast cuts its tail, as PyTorch's DistributedSampler does.
        const order = Array.from(new DistributedSampler(n, { rank: 0, worldSize: 1, seed: 9 }).indices(4));
        const total = per * world;
        const times = new Map<number, number>();
        for (const i of all) times.set(i, (times.get(i) ?? 0) + 1);
        if (dropLast) {
          expect(new Set(all).size).toBe(all.length); // no overlap
          expect(sorted(all)).toEqual(sorted(order.slice(0, total))); // exactly the permutation's head
        } else {
          expect(new Set(all)).toEqual(new Set(range(n))); // everything covered
          // Only the declared padding repeats: each of the first total - n items of the order
          // twice, every other item once.
          const padding = new Set(order.slice(0, total - n));
          for (const [i, t] of times) expect(t, `index ${i}`).toBe(padding.has(i) ? 2 : 1);
        }
      }
    }
    // The same permutation on every rank for an epoch: rank shares interleave it.
    const a = new DistributedSampler(9, { rank: 0, worldSize: 3, seed: 1 }).indices(2);
    const b = new DistributedSampler(9, { rank: 1, worldSize: 3, seed: 1 }).indices(2);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(() => new DistributedSampler(9, { rank: 3, worldSize: 3 })).toThrow(/rank/);
  });

  it('DistributedSampler reads RANK and WORLD_SIZE from the environment', () => {
    const saved = { RANK: process.env.RANK, WORLD_SIZE: process.env.WORLD_SIZE };
    try {
      process.env.RANK = '1';
      process.env.WORLD_SIZE = '4';
      const s = new DistributedSampler(10);
      expect([s.rank, s.worldSize, s.length]).toEqual([1, 4, 3]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('IterableSampler and BatchSampler', () => {
    expect(Array.from(new IterableSampler(new Set([4, 2, 9])).indices(0))).toEqual([4, 2, 9]);
    const byEpoch = new IterableSampler((e) => [e, e + 1]);
    expect(Array.from(byEpoch.indices(5))).toEqual([5, 6]);
    const b = new BatchSampler(new SequentialSampler(7), 3);
    expect(b.batches(0).map((x) => Array.from(x))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(new BatchSampler([0, 1, 2, 3, 4, 5, 6], 3, true).batches(0).length).toBe(2);
    expect(b.length).toBe(3);
  });
});
